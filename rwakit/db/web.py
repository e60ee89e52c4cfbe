"""The web dashboard's state: Sign-In with Ethereum nonces and browser sessions (rwakit.web).

A nonce is issued for one sign-in message and spent by the first verification that names it: the
spend is one conditional UPDATE, so two requests racing with the same signed message cannot both
win. A session is found by the SHA-256 of its cookie's token (a leaked database holds no usable
cookie); it is either an investor's (a wallet's sign-in) or staff's (an API key's, re-checked on
every request so revoking the key ends the session).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import DateTime, delete, update
from sqlmodel import Field, Session, SQLModel

from rwakit.db.clock import as_utc, utcnow


class NonceState(StrEnum):
    SPENT = "spent"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class SiweNonce(SQLModel, table=True):
    __tablename__ = "web_siwe_nonce"

    nonce: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)  # "investor" for a wallet's sign-in, else the API key's role
    investor_id: str | None = Field(default=None, max_length=66)
    wallet: str | None = Field(default=None, max_length=42)
    api_key_prefix: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def issue_nonce(session: Session, lifetime: timedelta) -> SiweNonce:
    """A fresh nonce: 24 letters and digits (EIP-4361 asks for at least 8), unspent until `lifetime` passes.
    Expired nonces are deleted (one a verification names then is unknown: refused all the same)."""
    now = utcnow()
    nonces = SiweNonce.__table__  # type: ignore[attr-defined]
    session.execute(delete(nonces).where(nonces.c.expires_at < now))  # past use either way: the table stays small
    row = SiweNonce(nonce=secrets.token_hex(12), created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.commit()
    return row


def spend_nonce(session: Session, nonce: str) -> NonceState:
    """Mark the nonce used if it is known, unused and unexpired; say which of these it was not."""
    now = utcnow()
    table = SiweNonce.__table__  # type: ignore[attr-defined]
    spent = session.execute(
        update(table)
        .where(table.c.nonce == nonce, table.c.used_at.is_(None), table.c.expires_at > now)
        .values(used_at=now)
    )
    session.commit()
    if spent.rowcount == 1:  # type: ignore[attr-defined]
        return NonceState.SPENT
    row = session.get(SiweNonce, nonce)
    if row is None:
        return NonceState.UNKNOWN
    return NonceState.USED if row.used_at is not None else NonceState.EXPIRED


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session,
    *,
    role: str,
    lifetime: timedelta,
    investor_id: str | None = None,
    wallet: str | None = None,
    api_key_prefix: str | None = None,
) -> str:
    """Store a session and return its token (the cookie's value, never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    sessions = WebSession.__table__  # type: ignore[attr-defined]
    session.execute(delete(sessions).where(sessions.c.expires_at < now))
    session.add(
        WebSession(
            token_hash=token_hash(token),
            role=role,
            investor_id=investor_id,
            wallet=wallet,
            api_key_prefix=api_key_prefix,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.commit()
    return token


def find_session(session: Session, token: str) -> WebSession | None:
    """The live session the token opens: not ended, not expired."""
    row = session.get(WebSession, token_hash(token))
    if row is None or row.ended_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    return row


def end_session(session: Session, token: str) -> None:
    row = session.get(WebSession, token_hash(token))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.add(row)
        session.commit()
