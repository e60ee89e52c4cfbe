"""Time as the tables store it: always UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: every time we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
