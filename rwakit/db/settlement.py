"""Value-moving money-leg requests taken over HTTP (trade proposals, acceptances, settlements and
cancellations; distributions funded, claimed and reclaimed): one row per idempotency key, written as
``pending`` before anything is signed, with the rules of rwakit.db.idempotency.

``steps`` holds the one transaction the request sends (read and written as
rwakit.api.services.keyed_steps.Step); it is journalled in ``tx_log`` under
``settlement:<key prefix>/<id>/0``, and the approval that prepares it (an allowance, which sending
again only sets again) under that reference plus ``/approve``, so that reconciliation asks the
journal about the transaction that moves value alone. ``response`` is what the request answered,
HTTP status and body, returned again to a retry with the same key.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger
from sqlmodel import Field

from rwakit.db.keyed import KeyedRequest


class SettlementRequest(KeyedRequest, table=True):
    __tablename__ = "settlement_request"
    noun: ClassVar[str] = "settlement"  # settlement_id, settlement_in_doubt

    operation: str = Field(max_length=40, index=True)  # propose_trade, accept_trade, ..., claim, reclaim
    target: int | None = Field(
        default=None, sa_type=BigInteger
    )  # the trade or distribution acted on (None: one to be created)
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    response: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # {"status_code": ..., "body": ...}


def step_ref(row: SettlementRequest, index: int) -> str:
    """The journal reference of a step's transaction."""
    return f"settlement:{row.api_key_prefix}/{row.id}/{index}"
