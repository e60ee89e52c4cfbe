"""Field types shared by the resources; validators raise rwakit errors, whose codes the API returns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from rwakit.errors import InvalidInput
from rwakit.units import investor_id_to_bytes32, to_address

_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def _address(value: str) -> str:
    return str(to_address(value))


def _investor_id(value: str) -> str:
    investor_id_to_bytes32(value)
    return value


def _recipient(value: str) -> str:
    """An investor id, or a wallet address (anything starting 0x must be a valid address)."""
    return _address(value) if value.lower().startswith("0x") else _investor_id(value)


def _amount(value: str) -> str:
    if not _DECIMAL.match(value.strip()):
        raise InvalidInput(
            f"Amount {value!r} is not a plain non-negative decimal string such as '12.5'", code="invalid_amount"
        )
    return value.strip()


Address = Annotated[str, AfterValidator(_address), Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])]
InvestorId = Annotated[str, AfterValidator(_investor_id), Field(examples=["HK-0001"])]
Recipient = Annotated[
    str, AfterValidator(_recipient), Field(description="An investor id (their first wallet) or a wallet address")
]
Amount = Annotated[
    str, AfterValidator(_amount), Field(description="Shares as an exact decimal string", examples=["12.5"])
]
Reason = Annotated[
    str, Field(max_length=1000, description="Why (recorded in the audit trail)", examples=["AML case 2026-17"])
]
Moment = Annotated[
    AwareDatetime | date,
    Field(description="A date (midnight UTC) or a datetime with its timezone", examples=["2027-12-31"]),
]


def to_datetime(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), UTC)


class Body(BaseModel):
    """Request bodies refuse unknown fields: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    offset: int
    limit: int
    count: int
