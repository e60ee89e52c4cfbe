"""The columns every table kept by idempotency key shares (rwakit.db.idempotency has the rules)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

from rwakit.db.clock import utcnow


class RequestStatus(StrEnum):
    """A keyed request's status (stored as its text; rwakit.api.services.keyed_steps has the transitions)."""

    QUEUED = "queued"  # answered 202, nothing sent yet: a sender takes it (rwakit.api.services.issuance_queue)
    PENDING = "pending"  # being sent now, or interrupted
    COMPLETED = "completed"
    PARTIAL = "partial"  # some transactions refused (or, in order, not sent) after others went through
    IN_DOUBT = "in_doubt"  # a transaction was broadcast and its outcome is not known yet
    INCOMPLETE = "incomplete"  # the chain failed before every transaction was sent: a retry sends the rest
    REFUSED = "refused"  # answered 202, then every transaction was refused: nothing happened on chain


class KeyedRequest(SQLModel):
    """The columns of every table kept by idempotency key (not a table itself)."""

    noun: ClassVar[str] = "request"  # in messages and error details: "issuance" -> issuance_id, issuance_in_doubt

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status: str = Field(default=RequestStatus.PENDING.value, max_length=16, index=True)
    api_key_prefix: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
