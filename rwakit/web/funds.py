"""What the dashboard shows of the funds, from the index's fund tables (rwakit.indexer.fund_queries):
an investor's fund holdings valued at the latest NAV, their open dealing requests with the claim
transaction their own wallet sends, and each fund's NAVs and dealing days for the console.

A claim is the vault's ERC-7540 call with the investor's wallet as controller (``deposit``/``redeem`` for a
settled request, ``claimCancel...Request`` for a cancelled one): built by rwakit.funds' dealing service, as
the API's keyed claim route builds it, and sent from the browser's wallet, so the platform signs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from rwakit.api.runtime import Runtime
from rwakit.api.schemas.holdings import HoldingsPublic
from rwakit.funds.dealing import Side
from rwakit.funds.models import day_date
from rwakit.funds.services import Funds
from rwakit.funds.vaults import Order
from rwakit.indexer import fund_queries
from rwakit.indexer.fund_queries import NAV_DECIMALS, IndexedFund, IndexedNav
from rwakit.indexer.queries import MAX_PAGE, snapshot
from rwakit.units import format_units

DAY = 86_400


@dataclass(frozen=True)
class Valued:
    nav: str  # per share
    nav_status: str
    value: str  # the holding at that NAV, rounded down to the currency's base unit
    currency: str


def fund_values(runtime: Runtime, held: HoldingsPublic) -> dict[str, Valued]:
    """The value of each fund holding (by asset address) at its fund's latest NAV as indexed; funds without a
    NAV and other assets are left out."""
    read = runtime.reads
    chain_id = runtime.platform.deployment.chain_id
    with snapshot(read.engine) as connection:
        by_asset = {f.asset.address: f for f in fund_queries.funds(connection, chain_id)}
    found = {h.asset: (h, by_asset[h.asset]) for h in held.holdings if h.asset in by_asset}
    if not any(f.latest_nav is not None for _, f in found.values()):
        return {}
    currency = Funds.open(runtime.platform).cash.symbol
    values = {}
    for asset, (holding, fund) in found.items():
        nav = fund.latest_nav
        if nav is None:
            continue
        value = _at_nav(int(holding.base_units), nav.value, fund)
        values[asset] = Valued(nav.display, nav.status, fund.cash(value), currency)
    return values


def _at_nav(share_units: int, nav: int, fund: IndexedFund) -> int:
    """Shares times NAV in the currency's base units, rounded down."""
    coin, share = int(fund.terms["coin_decimals"]), int(fund.terms["share_decimals"])
    value: int = share_units * nav * 10**coin // (10**NAV_DECIMALS * 10**share)
    return value


@dataclass(frozen=True)
class Claim:
    text: str  # the button's: Claim, Take back
    label: str  # what it does, for assistive technology: Claim 995 HMMF
    to: str  # the vault
    data: str


@dataclass(frozen=True)
class Request:
    """One controller's open request on one side of a fund, in display units, with its claims."""

    symbol: str
    name: str
    currency: str
    wallet: str
    side: str  # subscription | redemption
    status: str
    day: str  # the dealing day of its last request (UTC date)
    pending: str  # cash for a subscription, shares for a redemption
    claimable: str  # shares (subscription) or cash (redemption) ready to claim
    cancelled: str  # to take back
    claims: list[Claim] = field(default_factory=list)  # empty unless the signed-in wallet is the controller


def dealing_requests(runtime: Runtime, wallets: list[str], signed_in: str) -> list[Request]:
    """The open requests of `wallets` in every fund, fund by fund; those of `signed_in` (the wallet the
    investor signed in with, which can send its claims) carry their claim transactions."""
    chain_id = runtime.platform.deployment.chain_id
    with snapshot(runtime.reads.engine) as connection:
        per_fund = [(f, fund_queries.open_requests(connection, chain_id, f.vault, wallets, None))
                    for f in fund_queries.funds(connection, chain_id)]  # fmt: skip
    if not any(rows for _, rows in per_fund):
        return []
    funds = Funds.open(runtime.platform)
    currency = funds.cash.symbol
    found = []
    for fund, rows in per_fund:
        for row in rows:
            found.append(_request(funds, fund, row, currency, row["controller"].lower() == signed_in.lower()))
    return found


def _request(funds: Funds, fund: IndexedFund, row: dict[str, Any], currency: str, own: bool) -> Request:
    symbol, wallet = fund.asset.symbol, str(row["controller"])
    subscription = row["side"] == "deposit"
    side = Side.SUBSCRIPTION if subscription else Side.REDEMPTION

    def cash(column: str) -> str:
        return f"{fund.cash(row[column])} {currency}"

    def shares(column: str) -> str:
        return f"{fund.shares(row[column])} {symbol}"

    if subscription:
        pending, claimable, cancelled = cash("pending"), shares("claimable_shares"), cash("cancelled")
        ready = row["claimable_shares"] != 0
    else:
        pending, claimable, cancelled = shares("pending"), cash("claimable_assets"), shares("cancelled")
        ready = row["claimable_assets"] != 0
    claims = []
    if own and ready:
        claims.append(_claim(funds, symbol, "Claim", claimable, funds.dealing.settled_claim(wallet, symbol, side)))
    if own and row["cancelled"] != 0:
        order = funds.dealing.cancelled_claim(wallet, symbol, side)
        claims.append(_claim(funds, symbol, "Take back", cancelled, order))
    return Request(symbol, fund.asset.name, currency, wallet, str(side), str(row["status"]),
                   day_date(int(row["day"])).isoformat(), pending, claimable, cancelled, claims)  # fmt: skip


def _claim(funds: Funds, symbol: str, text: str, amount: str, order: Order) -> Claim:
    """The order's call as the wallet sends it: the vault and the call's data."""
    call = order.call
    data = funds.vaults.contract(symbol).encode_abi(call.fn_name, args=list(call.args))
    return Claim(text, f"{text} {amount}", call.address, data)


@dataclass(frozen=True)
class Day:
    day: int
    date: str
    cutoff_time: int
    subscriptions: str  # gross cash
    fees: str
    redemptions: str  # shares
    nav: str | None  # once settled
    settled_block: int | None
    closed: bool  # past its cut-off (chain time)


def dealing_days(runtime: Runtime, fund: IndexedFund, now: int) -> list[Day]:
    """The fund's latest dealing days with a request or a settlement (MAX_PAGE of them), newest first, each
    settled, closed or open. (fund_queries.days pages from the oldest; the console wants the newest.)"""
    chain_id = runtime.platform.deployment.chain_id
    table = fund_queries.DAY
    query = (select(table).where(table.c.chain_id == chain_id, table.c.vault == fund.vault)
             .order_by(table.c.day.desc()).limit(MAX_PAGE))  # fmt: skip
    with snapshot(runtime.reads.engine) as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    cutoff = int(fund.terms["cutoff"])
    days = []
    for d in rows:
        closes = int(d["day"]) * DAY + cutoff
        nav = None if d["settled_block"] is None else format_units(int(d["nav"]), NAV_DECIMALS)
        days.append(Day(int(d["day"]), day_date(int(d["day"])).isoformat(), closes, fund.cash(d["deposit_assets"]),
                        fund.cash(d["deposit_fees"]), fund.shares(d["redeem_shares"]), nav, d["settled_block"],
                        now >= closes))  # fmt: skip
    return days


def latest_navs(runtime: Runtime, fund: IndexedFund) -> list[IndexedNav]:
    """The fund's latest NAVs (MAX_PAGE of them), newest first, with their status now."""
    table = fund_queries.NAV
    query = (select(table).where(table.c.chain_id == runtime.platform.deployment.chain_id,
                                 table.c.vault == fund.vault)
             .order_by(table.c.nav_id.desc()).limit(MAX_PAGE))  # fmt: skip
    with snapshot(runtime.reads.engine) as connection:
        rows = connection.execute(query).all()
    return [
        IndexedNav(int(r.nav_id), int(r.value), int(r.valuation_time), int(r.published_block), int(r.published_at),
                   str(r.status), None if r.confirmed_block is None else int(r.confirmed_block))
        for r in rows
    ]  # fmt: skip
