"""Field types shared by the resources; validators raise rwakit errors, whose codes the API returns."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated

import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    WithJsonSchema,
)

from rwakit.db.clock import as_utc
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


def _document_name(value: str) -> str:
    if re.fullmatch(DOCUMENT_NAME_PATTERN, value) is None:
        raise InvalidInput(
            "A document name is 1 to 32 printable ASCII characters, no slash (e.g. 'prospectus')",
            code="invalid_document_name",
        )
    return value


def reason_required() -> InvalidInput:
    return InvalidInput("This action needs a reason (e.g. the court order's reference)", code="reason_required")


def _reason_given(value: str) -> str:
    if not value.strip():
        raise reason_required()
    return value


def integral(value: object) -> object:
    """JSON has one number type, and JSON Schema counts 2.0 an integer: take it as 2 (a bool stays refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


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


# The patterns the validators enforce, in the schema too. A mixed-case address must also carry its
# EIP-55 checksum, which no pattern can say: the format names it (see tests/api/test_schema.py).
ADDRESS_PATTERN = "^0[xX][0-9a-fA-F]{40}$"
ADDRESS_FORMAT = "eip55-address"
INVESTOR_ID_PATTERN = "^[A-Za-z0-9._:-]{1,32}$"
_NOT_0X_ID = "[A-Za-z1-9._:-][A-Za-z0-9._:-]{0,31}|0|0[A-WYZa-wyz0-9._:-][A-Za-z0-9._:-]{0,30}"
RECIPIENT_ID_PATTERN = f"^({_NOT_0X_ID})$"  # an investor id not starting 0x (that is read as an address)
COUNTRY_CODES = sorted(code for c in pycountry.countries for code in (c.alpha_2, c.alpha_3))
SYMBOL_PATTERN = "^[A-Za-z][A-Za-z0-9]{0,10}$"
DOCUMENT_NAME_PATTERN = "^[ -.0-~]{1,32}$"
SINCE_1970 = "^(19[7-9][0-9]|[2-9][0-9]{3})-"  # the year of a date or datetime
ADDRESS_SCHEMA = {
    "type": "string",
    "pattern": ADDRESS_PATTERN,
    "format": ADDRESS_FORMAT,
    "description": "0x and 40 hex digits; mixed case must be the EIP-55 checksum",
    "examples": ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
}

Address = Annotated[str, AfterValidator(_address), WithJsonSchema(ADDRESS_SCHEMA)]
InvestorId = Annotated[
    str,
    AfterValidator(_investor_id),
    Field(
        description="1-32 letters, digits and . _ : -",
        examples=["HK-0001"],
        json_schema_extra={"pattern": INVESTOR_ID_PATTERN},  # checked by _investor_id, which lends its code
    ),
]
Recipient = Annotated[
    str,
    AfterValidator(_recipient),
    WithJsonSchema(
        {
            "description": "An investor id (their first wallet) or a wallet address",
            "anyOf": [ADDRESS_SCHEMA, {"type": "string", "pattern": RECIPIENT_ID_PATTERN, "examples": ["HK-0001"]}],
        }
    ),
]
AssetRef = Annotated[
    str,
    WithJsonSchema(
        {
            "description": "The asset's symbol (any case) or address",
            "anyOf": [{"type": "string", "pattern": SYMBOL_PATTERN}, ADDRESS_SCHEMA],
            "examples": ["HVT"],
        }
    ),
]
DocumentName = Annotated[
    str,
    AfterValidator(_document_name),
    Field(
        description="1 to 32 printable ASCII characters, no slash",
        examples=["prospectus"],
        json_schema_extra={"pattern": DOCUMENT_NAME_PATTERN},  # checked by _document_name, which lends its code
    ),
]
RequiredReason = Annotated[
    str,
    AfterValidator(_reason_given),
    Field(
        max_length=1000,
        description="Required: why (e.g. the court order's reference)",
        examples=["HCMP 1234/2026"],
        json_schema_extra={"pattern": r"\S"},  # checked by _reason_given, which lends its code
    ),
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
    str | Annotated[StrictInt, BeforeValidator(integral)],
    AfterValidator(_country),
    WithJsonSchema(
        {
            "description": "ISO 3166-1: alpha-2 or alpha-3 (in any case), or numeric 1-999 (a number or a string)",
            "anyOf": [
                {"type": "string", "enum": COUNTRY_CODES},
                {"type": "string", "pattern": "^(0{0,2}[1-9]|0?[1-9][0-9]|[1-9][0-9]{2})$"},
                {"type": "integer", "minimum": 1, "maximum": 999},
            ],
            "examples": ["HK"],
        }
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
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time", "pattern": SINCE_1970},
                {"type": "string", "format": "date", "pattern": SINCE_1970},
            ]
        }
    ),
]


Timestamp = Annotated[datetime, AfterValidator(as_utc)]
"""Every time a response gives: UTC with its offset (SQLite hands back naive datetimes), a `date-time`."""


def to_datetime(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(0), UTC)


class Body(BaseModel):
    """Request bodies refuse unknown fields: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class FieldError(BaseModel):
    field: str = Field(examples=["body.amount"])
    message: str
    type: str


class ErrorPublic(BaseModel):
    """Every error: a machine-readable code, a message, and what the code names (e.g. `reason_code`)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(examples=["invalid_amount"])
    message: str
    errors: list[FieldError] | None = Field(None, description="422: each field refused, and why")
