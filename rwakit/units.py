"""Exact conversions between decimal strings and integer base units, and other input parsing.

Amounts are integers in base units everywhere inside rwakit; floats are refused because a float
cannot hold 0.1 exactly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pycountry
from eth_typing import ChecksumAddress
from web3 import Web3

from rwakit.errors import InvalidInput

# ASCII digits only: `\d` and str.isdigit also take other scripts' digits ("\u0661", "\uff11").
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_INVESTOR_ID = re.compile(r"^[A-Za-z0-9._:-]{1,32}$")
MAX_UINT256 = 2**256 - 1
_MAX_DIGITS = len(str(MAX_UINT256))


def to_base_units(amount: str | int, decimals: int) -> int:
    """'12.5' with 6 decimals -> 12_500_000. Ints are taken as base units already.

    A string is ASCII digits with at most one dot, nothing else (no sign, spaces or exponent), and
    at most `decimals` digits after the dot, trailing zeros included; the result fits a uint256.
    """
    if isinstance(amount, bool) or not isinstance(amount, str | int):
        raise InvalidInput(
            f"Amount must be a decimal string or an integer, not {type(amount).__name__}", code="invalid_amount"
        )
    if isinstance(amount, int):
        if amount < 0:
            raise InvalidInput("Amount must not be negative", code="invalid_amount", amount=str(amount))
        return _fits(amount, str(amount))
    if not _DECIMAL.fullmatch(amount):
        raise InvalidInput(
            f"Amount {shown(amount)!r} is not a plain non-negative decimal such as '12.5'", code="invalid_amount"
        )
    whole, _, fraction = amount.partition(".")
    if len(fraction) > decimals:
        raise InvalidInput(
            f"Amount {shown(amount)} has more than the asset's {decimals} decimals",
            code="too_many_decimals",
            amount=shown(amount),
            decimals=decimals,
        )
    whole = whole.lstrip("0") or "0"
    if len(whole) > _MAX_DIGITS:  # before int(): converting thousands of digits is slow, then refused
        raise _too_large(amount)
    # Integer arithmetic only: Decimal's default context keeps 28 digits and would round.
    return _fits(int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0"), amount)


def _fits(value: int, amount: str) -> int:
    if value > MAX_UINT256:
        raise _too_large(amount)
    return value


def _too_large(amount: str) -> InvalidInput:
    return InvalidInput(
        f"Amount {shown(amount)} is too large: a token holds at most 2**256 - 1 base units",
        code="amount_too_large",
        amount=shown(amount),
    )


def shown(value: object, width: int = 40) -> str:
    """`value` as text cut to `width` characters, for a message (a hostile value can be megabytes long)."""
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def format_units(value: int, decimals: int) -> str:
    """12_500_000 with 6 decimals -> '12.5' (exact; trailing zeros dropped)."""
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**decimals)
    if fraction == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(fraction).rjust(decimals, '0').rstrip('0')}"


def to_address(value: str) -> ChecksumAddress:
    """A checksummed address, or a clear error for anything else."""
    if not isinstance(value, str) or not Web3.is_address(value):
        raise InvalidInput(
            f"{shown(value)!r} is not an Ethereum address (0x followed by 40 hex digits)", code="invalid_address"
        )
    return Web3.to_checksum_address(value)


def investor_id_to_bytes32(investor_id: str) -> bytes:
    """Investor ids are short readable strings stored right-padded in a bytes32, so they read back."""
    if not isinstance(investor_id, str) or not _INVESTOR_ID.match(investor_id):
        raise InvalidInput(
            f"Investor id {shown(investor_id)!r} must be 1-32 characters of letters, digits and . _ : -",
            code="invalid_investor_id",
        )
    return investor_id.encode("ascii").ljust(32, b"\0")


def bytes32_to_investor_id(raw: bytes) -> str:
    return raw.rstrip(b"\0").decode("ascii")


def to_bytes32(value: str, what: str = "document hash") -> bytes:
    """32 bytes from 64 hex digits (with or without 0x), e.g. a SHA-256 of a document."""
    text = value.removeprefix("0x") if isinstance(value, str) else ""
    if len(text) != 64 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise InvalidInput(f"A {what} is 32 bytes of hex (e.g. a SHA-256)", code="invalid_bytes32", field=what)
    return bytes.fromhex(text)


def to_country_code(country: str | int) -> int:
    """ISO 3166-1 numeric code from a number, or an alpha-2 / alpha-3 code ('HK' -> 344)."""
    if isinstance(country, int) and not isinstance(country, bool):
        if 1 <= country <= 999:
            return country
    elif isinstance(country, str) and country.isascii():
        if country.isdigit() and len(country) <= 3 and 1 <= int(country) <= 999:
            return int(country)
        found = pycountry.countries.get(alpha_2=country.upper()) if len(country) == 2 else None
        found = found or (pycountry.countries.get(alpha_3=country.upper()) if len(country) == 3 else None)
        if found is not None:
            return int(found.numeric)
    raise InvalidInput(
        f"{shown(country)!r} is not an ISO 3166-1 country (e.g. 'HK', 'SGP' or 344)", code="invalid_country"
    )


def country_alpha2(code: int) -> str | None:
    found = pycountry.countries.get(numeric=f"{code:03d}")
    return None if found is None else str(found.alpha_2)


def country_label(code: int) -> str:
    """Alpha-2 where pycountry knows the code, else the number (the chain accepts any 1-999)."""
    return country_alpha2(code) or str(code)


def to_timestamp(moment: datetime | int) -> int:
    """Unix seconds from a timezone-aware datetime or an int."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise InvalidInput("Datetimes must carry a timezone (e.g. 2027-01-01T00:00:00Z)", code="naive_datetime")
        return int(moment.timestamp())
    if isinstance(moment, int) and 0 <= moment < 2**40:
        return moment
    raise InvalidInput(f"{moment!r} is not a time", code="invalid_time")


def from_timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
