"""Funds' dealing from the index: vaults with their terms and latest NAV, NAV history, dealing days,
and investors' open requests, each as of one indexed block."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rwakit.api.deps import IndexRead
from rwakit.api.schemas.funds import (
    DealingDayPublic,
    DealingDays,
    FundDetail,
    FundRequestPublic,
    FundRequests,
    FundsPublic,
    FundSummary,
    FundTerms,
    NavHistory,
    NavPublic,
)
from rwakit.indexer import fund_queries, queries
from rwakit.indexer.fund_queries import IndexedFund, IndexedNav
from rwakit.indexer.queries import snapshot
from rwakit.units import format_units

DAY = 86_400


def _nav(nav: IndexedNav) -> NavPublic:
    return NavPublic(nav_id=nav.nav_id, nav=nav.display, valuation_time=nav.valuation_time,
                     published_block=nav.published_block, published_at=nav.published_at,
                     status=nav.status, confirmed_block=nav.confirmed_block,
                     confirmed_at=nav.confirmed_at)  # fmt: skip


def _summary(fund: IndexedFund) -> dict[str, Any]:
    return {
        "asset": fund.asset.address,
        "symbol": fund.asset.symbol,
        "name": fund.asset.name,
        "vault": fund.vault,
        "cutoff": fund.terms["cutoff"],
        "share_decimals": fund.terms["share_decimals"],
        "currency_decimals": fund.terms["coin_decimals"],
        "latest_nav": None if fund.latest_nav is None else _nav(fund.latest_nav),
    }


def list_funds(*, read: IndexRead) -> FundsPublic:
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = fund_queries.funds(connection, read.chain_id, when.past)
    return FundsPublic(as_of_block=when.block_number, funds=[FundSummary(**_summary(f)) for f in found])


def get_fund(*, read: IndexRead, asset: str) -> FundDetail:
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = fund_queries.fund(connection, read.chain_id, asset, when.past)
    t = found.terms
    terms = FundTerms(
        cash_account=t["cash_account"], fee_account=t["fee_account"], subscription_fee_bps=t["subscription_fee_bps"],
        redemption_fee_bps=t["redemption_fee_bps"], max_nav_deviation_bps=t["max_nav_deviation_bps"],
        max_nav_age=t["max_nav_age"], min_subscription=found.cash(t["min_subscription"]),
        min_redemption=found.shares(t["min_redemption"]),
    )  # fmt: skip
    return FundDetail(**_summary(found), admin=t["admin"], terms=terms, usable=found.usable(when.timestamp),
                      as_of_block=when.block_number, block_time=when.timestamp)  # fmt: skip


def nav_history(*, read: IndexRead, asset: str, offset: int, limit: int) -> NavHistory:
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = fund_queries.fund(connection, read.chain_id, asset, when.past)
        navs = fund_queries.navs(connection, read.chain_id, found.vault, when.past, offset=offset, limit=limit)
    return NavHistory(asset=found.asset.address, vault=found.vault, as_of_block=when.block_number, offset=offset,
                      limit=limit, navs=[_nav(n) for n in navs])  # fmt: skip


def dealing_days(*, read: IndexRead, asset: str, offset: int, limit: int) -> DealingDays:
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = fund_queries.fund(connection, read.chain_id, asset, when.past)
        days = fund_queries.days(connection, read.chain_id, found.vault, when.past, offset=offset, limit=limit)
    return DealingDays(asset=found.asset.address, vault=found.vault, as_of_block=when.block_number, offset=offset,
                       limit=limit, days=[_day(found, d) for d in days])  # fmt: skip


def _day(fund: IndexedFund, d: dict[str, Any]) -> DealingDayPublic:
    settled = d["settled_block"] is not None

    def once(show: Callable[[int], str], value: int) -> str | None:
        return show(value) if settled else None

    return DealingDayPublic(
        day=d["day"], date=datetime.fromtimestamp(d["day"] * DAY, UTC).date().isoformat(),
        cutoff_time=d["day"] * DAY + int(fund.terms["cutoff"]), deposit_assets=fund.cash(d["deposit_assets"]),
        deposit_fees=fund.cash(d["deposit_fees"]), redeem_shares=fund.shares(d["redeem_shares"]), settled=settled,
        nav_id=d["nav_id"], nav=once(lambda v: format_units(v, fund_queries.NAV_DECIMALS), d["nav"]),
        settled_block=d["settled_block"], deposit_shares=once(fund.shares, d["deposit_shares"]),
        deposit_refunded=once(fund.cash, d["deposit_refunded"]), deposit_dust=once(fund.dust, d["deposit_dust"]),
        redeem_assets=once(fund.cash, d["redeem_assets"]), redeem_fees=once(fund.cash, d["redeem_fees"]),
        redeem_dust=once(fund.dust, d["redeem_dust"]),
    )  # fmt: skip


def requests(*, read: IndexRead, asset: str, investor_id: str | None, offset: int, limit: int) -> FundRequests:
    """The open requests of the investor's wallets (every investor's and unregistered controllers' when
    `investor_id` is None)."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = fund_queries.fund(connection, read.chain_id, asset, when.past)
        wallets = None if investor_id is None else queries.investor_wallets(connection, read.chain_id, investor_id,
                                                                            when.past)  # fmt: skip
        rows = fund_queries.open_requests(connection, read.chain_id, found.vault, wallets, when.past, offset=offset,
                                          limit=limit)  # fmt: skip
        owners = fund_queries.investors_of(connection, read.chain_id, sorted({r["controller"] for r in rows}),
                                           when.past)  # fmt: skip
    return FundRequests(
        asset=found.asset.address, vault=found.vault, investor_id=investor_id, as_of_block=when.block_number,
        offset=offset, limit=limit, requests=[_request(found, r, owners.get(r["controller"])) for r in rows],
    )  # fmt: skip


def _request(fund: IndexedFund, row: dict[str, Any], investor_id: str | None) -> FundRequestPublic:
    deposit = row["side"] == "deposit"
    pending = fund.cash(row["pending"]) if deposit else fund.shares(row["pending"])
    cancelled = fund.cash(row["cancelled"]) if deposit else fund.shares(row["cancelled"])
    return FundRequestPublic(
        controller=row["controller"], investor_id=investor_id, side=row["side"], status=row["status"], day=row["day"],
        pending=pending, pending_fees=fund.cash(row["pending_fees"]),
        claimable_assets=fund.cash(row["claimable_assets"]), claimable_shares=fund.shares(row["claimable_shares"]),
        claimable_fees=fund.cash(row["claimable_fees"]), cancelled=cancelled,
    )  # fmt: skip
