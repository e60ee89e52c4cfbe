"""API keys: a role each, stored as a SHA-256 hash with a short public prefix to find the row.

A key reads ``rwk_<prefix>_<secret>``; it is shown once, when created. The database keeps the
prefix (8 hex digits, unique) and the SHA-256 of the whole key, so a leaked database does not
leak usable keys. Investor keys are bound to one investor id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, select

from rwakit.db.clock import utcnow
from rwakit.errors import InvalidInput, NotFound
from rwakit.units import investor_id_to_bytes32

KEY_PATTERN = re.compile(r"^rwk_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")


class Role(StrEnum):
    """admin: everything; issuer: assets, issuance and controls; registrar: investors; compliance: the
    assets' compliance rules; investor: their own data."""

    ADMIN = "admin"
    ISSUER = "issuer"
    REGISTRAR = "registrar"
    COMPLIANCE = "compliance"
    INVESTOR = "investor"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(index=True, unique=True, max_length=8)
    key_hash: str = Field(max_length=64)
    role: str = Field(max_length=16)
    investor_id: str | None = Field(default=None, max_length=32, index=True)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    session: Session, *, role: Role | str, investor_id: str | None = None, name: str = ""
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plain text (shown to the caller once, never stored)."""
    try:
        role = Role(role)
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Role {role!r} is not one of {roles}", code="invalid_role") from exc
    if (role is Role.INVESTOR) != (investor_id is not None):
        raise InvalidInput(
            "An investor key needs an investor id, and only an investor key has one", code="invalid_role"
        )
    if investor_id is not None:
        investor_id_to_bytes32(investor_id)  # validates the format
    for _ in range(5):
        prefix = secrets.token_hex(4)
        if session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first() is None:
            break
    plain = f"rwk_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(prefix=prefix, key_hash=hash_key(plain), role=role.value, investor_id=investor_id, name=name)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row, plain


def authenticate(session: Session, key: str) -> ApiKey | None:
    """The active key row for a presented key, or None (unknown, malformed or revoked)."""
    match = KEY_PATTERN.match(key.strip())
    if match is None:
        return None
    row = session.exec(select(ApiKey).where(ApiKey.prefix == match.group(1))).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash, hash_key(key.strip())):
        return None
    return row


def get_api_key(session: Session, *, prefix: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.id)).all())  # type: ignore[arg-type]


def revoke_api_key(session: Session, *, prefix: str) -> ApiKey:
    row = get_api_key(session, prefix=prefix)
    if row is None:
        raise NotFound(f"No API key with prefix {prefix!r}", code="api_key_not_found", prefix=prefix)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
        session.refresh(row)
    return row
