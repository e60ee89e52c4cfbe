"""Exact amount conversion and input parsing."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rwakit.errors import InvalidInput
from rwakit.units import (
    bytes32_to_investor_id,
    format_units,
    investor_id_to_bytes32,
    to_address,
    to_base_units,
    to_country_code,
    to_timestamp,
)


@given(value=st.integers(min_value=0, max_value=2**256 - 1), decimals=st.integers(min_value=0, max_value=18))
def test_format_then_parse_is_exact(value: int, decimals: int) -> None:
    assert to_base_units(format_units(value, decimals), decimals) == value


@given(whole=st.integers(0, 10**12), fraction=st.text("0123456789", min_size=1, max_size=6))
def test_decimal_strings_convert_without_rounding(whole: int, fraction: str) -> None:
    assert to_base_units(f"{whole}.{fraction}", 6) == whole * 10**6 + int(fraction.ljust(6, "0"))


@pytest.mark.parametrize(
    ("text", "expected"), [("12.5", 12_500_000), ("0.000001", 1), ("7", 7_000_000), ("1.500000", 1_500_000)]
)
def test_examples(text: str, expected: int) -> None:
    assert to_base_units(text, 6) == expected


def test_too_many_decimals_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        to_base_units("0.0000001", 6)
    assert refused.value.code == "too_many_decimals"


@pytest.mark.parametrize(
    "bad", ["-1", "1e5", "abc", "", "1.", ".5", 1.5, True, -3, " 1", "1 ", "1\n", "+1", "1_000", "\u0661", "\uff11"]
)
def test_malformed_amounts_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_base_units(bad, 6)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_amount"


def test_trailing_zeros_count_as_decimals() -> None:
    with pytest.raises(InvalidInput) as refused:
        to_base_units("1.0000000", 6)
    assert refused.value.code == "too_many_decimals"


@pytest.mark.parametrize("big", [str(2**256), "1" + "0" * 72, "9" * 5000, "0" * 5000 + "1" * 79, 2**256])
def test_amounts_past_uint256_are_refused_before_any_conversion(big: str | int) -> None:
    with pytest.raises(InvalidInput) as refused:
        to_base_units(big, 6)
    assert refused.value.code == "amount_too_large" and len(refused.value.message) < 200
    assert to_base_units(str(2**256 - 1), 0) == 2**256 - 1


def test_countries_by_alpha_and_number() -> None:
    assert to_country_code("HK") == to_country_code("hkg") == to_country_code(344) == to_country_code("344") == 344
    for bad in ("XX", 0, 1000, "Hong Kong", " HK", "\u0663\u0664\u0664", "\u00b2", "9" * 5000):
        with pytest.raises(InvalidInput):
            to_country_code(bad)


def test_investor_ids_round_trip_and_are_validated() -> None:
    assert bytes32_to_investor_id(investor_id_to_bytes32("HK-0001")) == "HK-0001"
    for bad in ("", "x" * 33, "has space", "é"):
        with pytest.raises(InvalidInput) as refused:
            investor_id_to_bytes32(bad)
        assert refused.value.code == "invalid_investor_id"


def test_addresses_are_checksummed_or_refused() -> None:
    assert to_address("0x" + "ab" * 20) == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    with pytest.raises(InvalidInput) as refused:
        to_address("0x123")
    assert refused.value.code == "invalid_address"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        to_timestamp(datetime(2030, 1, 1))
    assert refused.value.code == "naive_datetime"
