"""Bodies and answers of a fund's value-moving requests (rwakit.api.routes.fund_dealing): its vault, terms,
NAVs and dealing days (staff), and its investors' subscriptions, redemptions, cancellations and claims."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StrictInt

from rwakit.api.schemas.common import Address, Amount, Body, Moment, Recipient, integral
from rwakit.funds.models import DEFAULT_CUTOFF, DEFAULT_ZONE, MAX_NAV, NAV_DECIMALS, parse_nav
from rwakit.funds.vaults import DEFAULT_DEVIATION_BPS, DEFAULT_NAV_AGE, MAX_DEVIATION_BPS, MAX_FEE_BPS, MAX_NAV_AGE

NAV_PATTERN = rf"^(0|[1-9][0-9]{{0,20}})(\.[0-9]{{1,{NAV_DECIMALS}}})?$"  # parse_nav's grammar, near its bound


def _nav(value: str) -> str:
    parse_nav(value)
    return value


Nav = Annotated[
    str,
    AfterValidator(_nav),
    Field(
        description=f"The value of one share in the settlement currency, a decimal string with at most "
        f"{NAV_DECIMALS} decimals, above zero and at most {MAX_NAV} / 1e18",
        examples=["10.0523"],
        max_length=21 + 1 + NAV_DECIMALS,
        json_schema_extra={"pattern": NAV_PATTERN},  # checked by parse_nav, which lends its code
    ),
]
Bps = Annotated[StrictInt, Field(ge=0, le=MAX_FEE_BPS, description="Basis points"), BeforeValidator(integral)]


class FundSide(StrEnum):
    """A path's side of dealing."""

    SUBSCRIPTIONS = "subscriptions"
    REDEMPTIONS = "redemptions"


class TermsUpdate(Body):
    """Dealing terms; fees apply to requests from when they are set."""

    cash_account: Recipient = Field(description="Receives subscriptions' cash and pays redemptions (it approves "
                                    "the vault; the platform does it for an account whose key it holds)")  # fmt: skip
    fee_account: Recipient = Field(description="Receives the fees")
    subscription_fee_bps: Bps = 0
    redemption_fee_bps: Bps = 0
    max_nav_deviation_bps: Annotated[StrictInt, Field(ge=0, le=MAX_DEVIATION_BPS), BeforeValidator(integral)] = Field(
        DEFAULT_DEVIATION_BPS,
        description="A NAV further than this from the last accepted one is held until the admin confirms it",
    )
    max_nav_age_seconds: Annotated[StrictInt, Field(ge=1, le=MAX_NAV_AGE), BeforeValidator(integral)] = Field(
        DEFAULT_NAV_AGE, description="An older NAV is stale for settlement until confirmed"
    )
    min_subscription: Amount = Field("0", description="In the settlement currency")
    min_redemption: Amount = Field("0", description="In the fund's shares")


class VaultCreate(TermsUpdate):
    initial_nav: Nav
    cutoff: str = Field(DEFAULT_CUTOFF, max_length=5, description="Requests close each day at this local time "
                        "(HH:MM, 24-hour)", examples=["17:00"],
                        json_schema_extra={"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})  # fmt: skip
    zone: str = Field(DEFAULT_ZONE, max_length=64, description="The cut-off's IANA time zone")


class NavCreate(Body):
    nav: Nav
    valued_at: Moment | None = Field(None, description="The valuation time (default: the latest block's)")


class Subscribe(Body):
    wallet: Address = Field(description="The investor's custodial wallet: the platform signs for it")
    amount: Amount = Field(description="In the settlement currency, the fee included, e.g. '10000'")


class Redeem(Body):
    wallet: Address = Field(description="The investor's custodial wallet: the platform signs for it")
    shares: Amount = Field(description="Shares of the fund, burnt at the request, e.g. '25.5'")


class DealingStep(Body):
    wallet: Address = Field(description="The investor's custodial wallet that signs (the request's controller)")


class ClaimDealt(DealingStep):
    amount: Amount | None = Field(None, description="Part of the claim: shares of a subscription, cash of a "
                                  "redemption; default: all that is claimable")  # fmt: skip


class TermsPublic(BaseModel):
    cash_account: str
    fee_account: str
    subscription_fee_bps: int
    redemption_fee_bps: int
    max_nav_deviation_bps: int
    max_nav_age_seconds: int
    min_subscription: str
    min_redemption: str


class NavPublic(BaseModel):
    id: int
    nav: str
    valued_at: str = Field(description="ISO 8601, UTC")
    published_at: str
    status: str = Field(examples=["accepted", "held", "confirmed"])


class VaultPublic(BaseModel):
    fund: str = Field(description="The fund's symbol")
    asset: str
    vault: str
    currency: str
    cutoff: str = Field(examples=["09:00 UTC"])
    open_day: str = Field(description="The dealing day (UTC date) a request made now deals on")
    terms: TermsPublic
    latest_nav: NavPublic
    nav_usable: bool = Field(description="The latest NAV may be used for settlement now")


class DayPublic(BaseModel):
    fund: str
    day: str = Field(description="UTC date")
    subscription_cash: str = Field(description="Gross, fees included")
    subscription_fees: str
    redemption_shares: str
    nav: str | None = Field(description="None until settled")


class PositionPublic(BaseModel):
    """An investor wallet's dealing in a fund: cash in the settlement currency, shares in the fund's."""

    fund: str
    wallet: str
    shares: str
    pending_subscription: str
    subscription_day: str | None = Field(description="While a subscription is pending")
    claimable_subscription: str
    claimable_shares: str
    cancelled_subscription: str = Field(description="Cash to take back: cancelled, or refunded_subscription")
    refunded_subscription: str = Field(
        description="Of cancelled_subscription: settled subscriptions that bought no share, paid from the cash account"
    )
    pending_redemption: str
    redemption_day: str | None = Field(description="While a redemption is pending")
    claimable_redemption: str
    claimable_cash: str
    cancelled_redemption: str


class DealingPublic(BaseModel):
    """What an investor's request did, and the position after it."""

    action: str = Field(examples=["subscription request", "redemption", "cancelled subscription"])
    shares: str = Field(description="Shares the request burnt or the claim minted or re-issued")
    cash: str = Field(description="Cash the request took or the claim paid (net of fees)")
    tx_hash: str
    block_number: int
    position: PositionPublic
