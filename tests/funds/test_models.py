"""The funds' input parsing: NAVs as decimal strings, cut-offs as a local time, dealing days as dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rwakit.errors import InvalidInput
from rwakit.funds.models import format_cutoff, format_nav, parse_cutoff, parse_day, parse_nav


@pytest.mark.parametrize(
    ("text", "value"),
    [("10.0523", 100_523 * 10**14), ("1", 10**18), ("0.000000000000000001", 1), (7, 7), ("0010", None)],
)
def test_a_nav_is_a_decimal_string_with_18_decimals(text: str | int, value: int | None) -> None:
    if value is None:  # a leading zero is refused, as a typo
        with pytest.raises(InvalidInput, match="positive decimal"):
            parse_nav(text)
        return
    assert parse_nav(text) == value
    assert format_nav(value) == (str(text) if isinstance(text, str) else "0.000000000000000007")


@pytest.mark.parametrize(
    "nav",
    ["0", "0.0", 0, "-1", -1, "1e3", "1.", ".5", " 1", "1,5", "", "1.0000000000000000001", str(2**128), 2**128,
     True, 1.5, None, "\uff11"],
)  # fmt: skip
def test_a_nav_is_refused_when_zero_negative_too_precise_or_not_a_plain_decimal(nav: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_nav(nav)
    assert refused.value.code == "invalid_nav"


@pytest.mark.parametrize(
    ("clock", "zone", "on", "seconds"),
    [
        ("17:00", "Asia/Hong_Kong", None, 9 * 3600),
        ("09:00", "UTC", None, 9 * 3600),
        ("00:30", "Asia/Hong_Kong", None, 16 * 3600 + 1800),  # 16:30 UTC the day before
        ("16:00", "America/New_York", date(2026, 7, 1), 20 * 3600),  # daylight saving: UTC-4
        ("16:00", "America/New_York", date(2026, 12, 1), 21 * 3600),
        ("23:59", "UTC", None, 86_340),
    ],
)
def test_a_cutoff_is_a_local_time_kept_as_seconds_after_midnight_utc(
    clock: str, zone: str, on: date | None, seconds: int
) -> None:
    assert parse_cutoff(clock, zone, on=on) == seconds
    assert parse_cutoff() == 9 * 3600  # 17:00 Hong Kong time
    assert format_cutoff(9 * 3600 + 1800) == "09:30 UTC"


@pytest.mark.parametrize("clock", ["24:00", "7:00", "17:00:00", "17h00", "", "17:60", "-1:00", 1700, "\uff117:00"])
def test_a_cutoff_is_refused_unless_hh_mm(clock: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_cutoff(clock)
    assert refused.value.code == "invalid_cutoff"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Asia/Hong Kong"])
def test_a_cutoff_in_an_unknown_zone_is_refused(zone: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_cutoff("17:00", zone)
    assert refused.value.code == "invalid_time_zone"


def test_a_dealing_day_is_a_utc_date_or_its_number() -> None:
    assert parse_day("2026-12-05") == parse_day("20792") == 20_792
    assert parse_day("1970-01-01") == 0
    for bad in ("2026-13-01", "1969-12-31", "tomorrow", "-3", "12345678", "", "2026-12-5"):
        with pytest.raises(InvalidInput) as refused:
            parse_day(bad)
        assert refused.value.code == "invalid_day"
