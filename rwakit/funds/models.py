"""What the funds' services read and return, and the parsing of their inputs: NAVs as decimal strings,
cut-offs as a local time, dealing days as dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rwakit.errors import InvalidInput
from rwakit.units import format_units, shown

NAV_DECIMALS = 18  # FundVault.NAV_DECIMALS: a NAV of 10.05 is 10.05e18
MAX_NAV = 2**128 - 1  # the vault stores a NAV in a uint128
DAY = 24 * 3600
EPOCH = date(1970, 1, 1)  # dealing day d is the UTC date d days after it
DEFAULT_CUTOFF = "17:00"
DEFAULT_ZONE = "Asia/Hong_Kong"
_NAV = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class NavStatus(IntEnum):
    """Mirrors FundVault.NavStatus."""

    NONE = 0
    ACCEPTED = 1
    HELD = 2
    CONFIRMED = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Nav:
    id: int
    value: int  # 18 decimals
    valuation_time: int  # unix seconds
    published_at: int
    status: NavStatus
    confirmed_at: int = 0  # when the admin last confirmed it (0: never): a confirmation also ages

    @property
    def display(self) -> str:
        return format_nav(self.value)


@dataclass(frozen=True)
class Terms:
    """FundVault.Terms in base units: cash and fees in the settlement currency, `min_redemption` in shares."""

    cash_account: str
    fee_account: str
    subscription_fee_bps: int
    redemption_fee_bps: int
    max_nav_deviation_bps: int  # a NAV further than this from the baseline is held for the admin
    max_nav_age: int  # seconds: an older NAV is stale for settlement until the admin confirms it
    min_subscription: int
    min_redemption: int

    def as_tuple(self) -> tuple[str, int, int, int, int, str, int, int]:
        """In the ABI's order."""
        return (self.cash_account, self.subscription_fee_bps, self.redemption_fee_bps, self.max_nav_deviation_bps,
                self.max_nav_age, self.fee_account, self.min_subscription, self.min_redemption)  # fmt: skip

    @classmethod
    def from_tuple(cls, raw: tuple[str, int, int, int, int, str, int, int]) -> Terms:
        cash, sub_fee, red_fee, deviation, age, fee_account, min_sub, min_red = raw
        return cls(cash, fee_account, sub_fee, red_fee, deviation, age, min_sub, min_red)


@dataclass(frozen=True)
class DayTotals:
    """A dealing day's requests; `nav` is 0 until the day is settled."""

    day: int
    subscription_cash: int  # gross, fees included
    subscription_fees: int
    redemption_shares: int
    nav: int

    @property
    def settled(self) -> bool:
        return self.nav != 0


@dataclass(frozen=True)
class Fund:
    asset: str
    symbol: str
    vault: str
    share_decimals: int
    cutoff: int  # seconds after 00:00 UTC
    terms: Terms
    latest_nav: Nav
    baseline_nav_id: int  # the NAV deviations are measured from
    nav_usable: bool  # the latest NAV may be used for settlement now
    open_day: int  # the dealing day a request made now deals on
    first_day: int  # the vault's first dealing day: earlier days cannot be settled


@dataclass(frozen=True)
class Position:
    """One investor's (controller's) dealing in one fund; cash in the settlement currency's base units,
    shares in the fund's. `*_day` is meaningful while the request it dates is pending."""

    fund: str
    wallet: str
    shares: int
    pending_subscription: int
    subscription_day: int
    claimable_subscription: int  # the cash dealt ...
    claimable_shares: int  # ... and the shares it bought, minted at the claim
    cancelled_subscription: int  # cash to take back: cancelled, or dealt for no share (refunded_subscription)
    refunded_subscription: int  # of which: settled requests that bought no share, paid from the cash account
    pending_redemption: int  # shares, burnt at the request
    redemption_day: int
    claimable_redemption: int  # shares dealt ...
    claimable_cash: int  # ... and the cash they pay, net of fees, at the claim
    claimable_redemption_fees: int
    cancelled_redemption: int  # shares to re-issue

    @property
    def empty(self) -> bool:
        return not any((self.pending_subscription, self.claimable_subscription, self.cancelled_subscription,
                        self.pending_redemption, self.claimable_redemption, self.cancelled_redemption))  # fmt: skip


def parse_nav(nav: str | int) -> int:
    """'10.0523' -> 10.0523e18 (an int is already 18-decimal units). Refused: more than 18 decimals, zero,
    a sign, an exponent, and more than a uint128 holds."""
    if isinstance(nav, bool) or not isinstance(nav, str | int):
        raise InvalidInput(f"A NAV is a decimal string such as 10.0523, not {type(nav).__name__}", code="invalid_nav")
    if isinstance(nav, str):
        if not _NAV.fullmatch(nav):
            raise InvalidInput(f"A NAV is a positive decimal such as 10.0523, not {shown(nav)!r}", code="invalid_nav")
        whole, _, fraction = nav.partition(".")
        if len(fraction) > NAV_DECIMALS:
            raise InvalidInput(f"A NAV has at most {NAV_DECIMALS} decimals, not {len(fraction)}", code="invalid_nav")
        value = int(whole + fraction.ljust(NAV_DECIMALS, "0"))
    else:
        value = nav
    if not 0 < value <= MAX_NAV:
        raise InvalidInput(f"A NAV is above zero and below 2**128 / 1e18, not {shown(nav)}", code="invalid_nav")
    return value


def format_nav(value: int) -> str:
    return format_units(value, NAV_DECIMALS)


def parse_cutoff(clock: str = DEFAULT_CUTOFF, zone: str = DEFAULT_ZONE, *, on: date | None = None) -> int:
    """Seconds after 00:00 UTC of `clock` (HH:MM, 24-hour) in time zone `zone` on date `on` (default today):
    17:00 Asia/Hong_Kong is 32,400 (09:00 UTC). The vault keeps the cut-off in UTC, so in a zone with
    daylight saving the local time moves by an hour when the clocks change."""
    match = _CLOCK.fullmatch(clock) if isinstance(clock, str) else None
    if match is None:
        raise InvalidInput(f"A cut-off is HH:MM on a 24-hour clock, such as 17:00, not {shown(clock)!r}",
                           code="invalid_cutoff")  # fmt: skip
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {shown(zone)!r}: use an IANA name such as Asia/Hong_Kong",
                           code="invalid_time_zone") from None  # fmt: skip
    local = datetime.combine(on or datetime.now(UTC).date(), datetime.min.time(), tz).replace(
        hour=int(match[1]), minute=int(match[2])
    )
    offset = local.utcoffset() or timedelta(0)
    return int((int(match[1]) * 3600 + int(match[2]) * 60 - offset.total_seconds()) % DAY)


def format_cutoff(cutoff: int) -> str:
    """32,400 -> '09:00 UTC'."""
    return f"{cutoff // 3600:02d}:{cutoff % 3600 // 60:02d} UTC"


def day_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def parse_day(text: str) -> int:
    """A dealing day from its UTC date (2026-12-05) or its number (days since 1970-01-01)."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 6:
        return int(text)
    if isinstance(text, str) and _DATE.fullmatch(text):
        try:
            day = (date.fromisoformat(text) - EPOCH).days
        except ValueError:
            day = -1
        if day >= 0:
            return day
    raise InvalidInput(f"A dealing day is a date such as 2026-12-05, not {shown(text)!r}", code="invalid_day")


def iso_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
