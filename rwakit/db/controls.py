"""Value-moving issuer controls taken over HTTP (forced transfers, redemptions, wallet recoveries):
one row per idempotency key, written as ``pending`` before anything is signed (see
rwakit.db.idempotency for the statuses and the rule: a row for every control that happened on
chain, or may have, and none for one that did not).

``steps`` holds one entry per transaction the request sends (a recovery in every asset sends
several), read and written as rwakit.api.services.controls.ControlStep: the audit entry it records,
its status (rwakit.api.services.keyed_steps.StepStatus), its transaction's hash, block and gas, and
its error. Each step's transactions are journalled in ``tx_log`` under
``control:<key prefix>/<id>/<step>``. ``response`` is what the request answered, HTTP status and
body, returned again to a retry with the same key.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlmodel import Field

from rwakit.db.keyed import KeyedRequest


class ControlRequest(KeyedRequest, table=True):
    __tablename__ = "control_request"
    noun: ClassVar[str] = "control"

    operation: str = Field(max_length=40, index=True)  # forced_transfer, forced_transfer_batch, redeem, ...
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    response: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # {"status_code": ..., "body": ...}


def step_ref(row: ControlRequest, index: int) -> str:
    """The journal reference of a step's transactions (starts with ``control:<key prefix>`` as every
    control's does)."""
    return f"control:{row.api_key_prefix}/{row.id}/{index}"
