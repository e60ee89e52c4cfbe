"""The audit trail over HTTP: every control and rule change with actor, action, reason, time and
transaction hash, newest first. Amounts in the details are stored in base units and returned as
exact decimal strings of the asset."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eth_abi.exceptions import DecodingError
from sqlmodel import Session, col, select

from rwakit.api.schemas.controls import AuditEntryPublic
from rwakit.api.services.reads import Call, read
from rwakit.db.audit import AuditRecord
from rwakit.db.engine import as_utc
from rwakit.errors import ChainError
from rwakit.platform import Platform
from rwakit.units import format_units

AMOUNT_KEYS = ("amount", "amounts")


def entries(
    *,
    session: Session,
    platform: Platform,
    asset: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    tx_hash: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditEntryPublic]:
    """Entries newest first; `actor` matches from the start (``api-key:1a2b3c4d`` finds that key's)."""
    query = select(AuditRecord)
    if asset is not None:
        query = query.where(AuditRecord.asset == platform.assets.resolve(asset))
    if action:
        query = query.where(AuditRecord.action == action)
    if actor:
        query = query.where(col(AuditRecord.actor).startswith(actor, autoescape=True))
    if tx_hash:
        query = query.where(AuditRecord.tx_hash == tx_hash.lower())
    rows = session.exec(query.order_by(col(AuditRecord.id).desc()).offset(offset).limit(limit)).all()
    return public(platform, rows)


def public(platform: Platform, rows: Sequence[AuditRecord]) -> list[AuditEntryPublic]:
    meta = _asset_meta(platform, sorted({row.asset for row in rows}))
    result = []
    for row in rows:
        symbol, decimals = meta.get(row.asset, (None, None))
        details = json.loads(row.details)
        for key in AMOUNT_KEYS:
            if key in details and decimals is not None:
                details[key] = _format(details[key], decimals)
        result.append(
            AuditEntryPublic(
                id=row.id or 0,
                at=as_utc(row.at),
                actor=row.actor,
                action=row.action,
                asset=symbol,
                asset_address=row.asset,
                reason=row.reason,
                tx_hash=row.tx_hash,
                details=details,
            )
        )
    return result


def _asset_meta(platform: Platform, addresses: list[str]) -> dict[str, tuple[str | None, int | None]]:
    """Symbol and decimals of each asset, in one batch of reads; nothing for an address that is no
    contract on this chain any more (a reset chain): its amounts then stay in base units."""
    calls = [c for a in addresses for c in (Call(a, "symbol()", (), "string"), Call(a, "decimals()", (), "uint8"))]
    try:
        values = read(platform.chain.w3, calls)
    except (ChainError, DecodingError):
        return {}
    return {a: (values[2 * i], values[2 * i + 1]) for i, a in enumerate(addresses)}


def _format(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [_format(v, decimals) for v in value]
    if isinstance(value, int):
        return format_units(value, decimals)
    return value
