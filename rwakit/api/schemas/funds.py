"""Funds' dealing as the index reads it: vaults, NAVs, dealing days, investors' requests. Amounts are
exact decimal strings: cash in the settlement currency's decimals, shares in the fund's, NAVs per share
with 18 decimals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class NavPublic(BaseModel):
    nav_id: int
    nav: str = Field(description="NAV per share in the settlement currency, exact decimal string (18 decimals)")
    valuation_time: int = Field(description="Unix seconds the valuer valued the fund at")
    published_block: int
    published_at: int = Field(description="Unix seconds of the block that published it")
    status: Literal["accepted", "held", "confirmed"] = Field(
        description="held: too far from the last accepted NAV, unusable until the admin confirms it"
    )
    confirmed_block: int | None
    confirmed_at: int | None = Field(description="Unix seconds of the admin's confirmation (it ages too)")


class FundTerms(BaseModel):
    cash_account: str
    fee_account: str
    subscription_fee_bps: int
    redemption_fee_bps: int
    max_nav_deviation_bps: int
    max_nav_age: int = Field(description="Seconds after the later of its valuation and its confirmation a NAV is "
                             "stale (unusable until confirmed again)")
    min_subscription: str = Field(description="Settlement currency, decimal string")
    min_redemption: str = Field(description="Shares, decimal string")


class FundSummary(BaseModel):
    asset: str = Field(description="The fund's asset token (its shares)")
    symbol: str
    name: str
    vault: str = Field(description="The fund's dealing vault (ERC-7540)")
    cutoff: int = Field(description="Seconds after 00:00 UTC at which each dealing day's requests close")
    share_decimals: int
    currency_decimals: int
    latest_nav: NavPublic | None


class FundsPublic(BaseModel):
    as_of_block: int
    funds: list[FundSummary]


class FundDetail(FundSummary):
    admin: str = Field(description="Who opened the vault")
    terms: FundTerms
    usable: bool | None = Field(
        description="Could the vault deal at its latest NAV at the time of the block read (confirmed, or accepted "
        "and not stale); null when the index holds no timestamp for that block"
    )
    as_of_block: int
    block_time: int | None = Field(description="Unix seconds of the block read, when the index holds it")


class NavHistory(BaseModel):
    asset: str
    vault: str
    as_of_block: int
    offset: int
    limit: int = Field(description="At most this many NAVs; a full page means there may be more at offset + limit")
    navs: list[NavPublic]


class DealingDayPublic(BaseModel):
    day: int = Field(description="Days since 1970-01-01 (UTC)")
    date: str = Field(description="The same day as YYYY-MM-DD")
    cutoff_time: int = Field(description="Unix seconds at which its requests closed or close")
    deposit_assets: str = Field(description="Gross subscription cash, settlement currency")
    deposit_fees: str
    redeem_shares: str
    settled: bool
    nav_id: int | None
    nav: str | None = Field(description="The dealing NAV once settled")
    settled_block: int | None
    deposit_shares: str | None = Field(description="Once settled: the shares the day's subscriptions bought")
    deposit_refunded: str | None = Field(
        description="Once settled: the cash, net of fees, of subscriptions that bought no share, paid back"
    )
    deposit_dust: str | None = Field(
        description="Once settled: subscription cash the rounding kept (exact): deposit_assets = deposit_shares x nav "
        "+ deposit_fees + deposit_refunded + deposit_dust"
    )
    redeem_assets: str | None = Field(description="Once settled: what the day's redemptions pay, fees included")
    redeem_fees: str | None = Field(description="Once settled: the redemption fees, within redeem_assets")
    redeem_dust: str | None = Field(
        description="Once settled: redemption value the rounding kept (exact): redeem_shares x nav = redeem_assets + "
        "redeem_dust"
    )


class DealingDays(BaseModel):
    asset: str
    vault: str
    as_of_block: int
    offset: int
    limit: int
    days: list[DealingDayPublic]


class FundRequestPublic(BaseModel):
    controller: str = Field(description="The wallet the request is for")
    investor_id: str | None = Field(description="Its investor, if the registry still has the wallet")
    side: Literal["deposit", "redeem"]
    status: Literal["pending", "claimable", "cancelled", "claimed"]
    day: int = Field(description="The dealing day of the controller's last request on this side")
    pending: str = Field(description="Waiting for its dealing day: cash (deposit) or shares (redeem)")
    pending_fees: str = Field(description="Deposit: the subscription fees fixed at the request")
    claimable_assets: str = Field(description="Deposit: gross cash dealt; redeem: net cash to be paid")
    claimable_shares: str
    claimable_fees: str = Field(description="Redeem: fees paid to the fee account at the claim")
    cancelled: str = Field(description="Cancelled cash (deposit) or shares (redeem) to take back")


class FundRequests(BaseModel):
    asset: str
    vault: str
    investor_id: str | None
    as_of_block: int
    offset: int
    limit: int = Field(description="At most this many requests; a full page means there may be more")
    requests: list[FundRequestPublic]
