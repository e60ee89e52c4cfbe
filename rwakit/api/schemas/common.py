"""Field types shared by the resources; validators raise rwakit errors, whose codes the API returns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from rwakit.errors import InvalidInput
from rwakit.units import investor_id_to_bytes32, shown, to_address, to_base_units, to_country_code

MAX_DECIMALS = 18
MAX_WHOLE_DIGITS = 59  # 10**59 shares at 18 decimals still fit a uint256: no amount the schema admits overflows
AMOUNT_PATTERN = rf"^[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,{MAX_DECIMALS}}})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _address(value: str) -> str:
    return str(to_address(value))


def _investor_id(value: str) -> str:
    investor_id_to_bytes32(value)
    return value


def _recipient(value: str) -> str:
    """An investor id, or a wallet address (anything starting 0x must be a valid address)."""
    return _address(value) if value.lower().startswith("0x") else _investor_id(value)


def _amount(value: str) -> str:
    if _AMOUNT.fullmatch(value) is None:
        to_base_units(value, MAX_DECIMALS)  # raises what is wrong: invalid_amount, too_many_decimals, amount_too_large
        raise InvalidInput(
            f"Amount {shown(value)} has more than {MAX_WHOLE_DIGITS} digits before the dot", code="amount_too_large"
        )
    return value


def _country(value: str | int) -> str | int:
    to_country_code(value)
    return value


def _time_text(value: object) -> object:
    """A time comes as an ISO 8601 string: a number or a boolean is not a time."""
    if isinstance(value, str | date):
        return value
    raise InvalidInput(
        f"{shown(value)!r} is not a time: send an ISO 8601 date or datetime, e.g. '2027-12-31'", code="invalid_time"
    )


def _since_1970(value: datetime | date) -> datetime | date:
    if to_datetime(value) < EPOCH:
        raise InvalidInput(f"{value.isoformat()} is before 1970, which the chain cannot hold", code="invalid_time")
    return value


Address = Annotated[str, AfterValidator(_address), Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])]
InvestorId = Annotated[str, AfterValidator(_investor_id), Field(examples=["HK-0001"])]
Recipient = Annotated[
    str, AfterValidator(_recipient), Field(description="An investor id (their first wallet) or a wallet address")
]
Amount = Annotated[
    str,
    AfterValidator(_amount),
    Field(
        description="Shares as an exact decimal string: ASCII digits, at most one dot",
        examples=["12.5"],
        max_length=MAX_WHOLE_DIGITS + 1 + MAX_DECIMALS,
        json_schema_extra={"pattern": AMOUNT_PATTERN},  # checked by _amount, which lends its error code
    ),
]
Country = Annotated[
    str | StrictInt,
    AfterValidator(_country),
    Field(
        description="ISO 3166-1: alpha-2, alpha-3 or numeric",
        examples=["HK"],
        json_schema_extra={"pattern": "^([A-Za-z]{2,3}|[0-9]{1,3})$"},
    ),
]
Reason = Annotated[
    str, Field(max_length=1000, description="Why (recorded in the audit trail)", examples=["AML case 2026-17"])
]
Moment = Annotated[
    AwareDatetime | date,
    BeforeValidator(_time_text),
    AfterValidator(_since_1970),
    Field(description="A date (midnight UTC) or a datetime with its timezone, from 1970", examples=["2027-12-31"]),
]


def to_datetime(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), UTC)


class Body(BaseModel):
    """Request bodies refuse unknown fields: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")
