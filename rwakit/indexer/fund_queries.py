"""Reads of the funds' index: vaults with their terms and latest NAV, NAV history, dealing days, and
controllers' open requests, each now (the current tables) or as of a block (the latest history row of
each key at or before it), like queries.py for the assets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, Table, or_, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from rwakit.errors import NotFound
from rwakit.indexer.queries import MAX_PAGE, WALLET, WALLET_H, IndexedAsset, _latest, asset, assets
from rwakit.indexer.tables import (
    Fund,
    FundChange,
    FundDay,
    FundDayChange,
    FundNav,
    FundNavChange,
    FundRequest,
    FundRequestChange,
)
from rwakit.units import format_units

NAV_DECIMALS = 18
Where = Callable[[Any], Any]  # a condition on a table's or a subquery's columns (``.c``)


def _t(model: type[SQLModel]) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


FUND, FUND_H = _t(Fund), _t(FundChange)
NAV, NAV_H = _t(FundNav), _t(FundNavChange)
DAY, DAY_H = _t(FundDay), _t(FundDayChange)
REQUEST, REQUEST_H = _t(FundRequest), _t(FundRequestChange)


def _state(current: Table, history: Table, key: Sequence[str], chain_id: int, block: int | None,
           *where: Where) -> Select[Any]:  # fmt: skip
    """The state columns of `current` now, or of `history`'s latest row per `key` at `block`, filtered."""
    columns = [c.name for c in current.columns if c.name not in ("chain_id", "block_number")]
    if block is None:
        return select(*(current.c[c] for c in columns)).where(current.c.chain_id == chain_id,
                                                               *(w(current.c) for w in where))  # fmt: skip
    latest = _latest(history, columns, key, block, history.c.chain_id == chain_id, *(w(history.c) for w in where))
    return select(*(latest.c[c] for c in columns)).where(latest.c.rank == 1)


@dataclass(frozen=True, slots=True)
class IndexedNav:
    nav_id: int
    value: int
    valuation_time: int
    published_block: int
    published_at: int
    status: str  # accepted | held | confirmed
    confirmed_block: int | None
    confirmed_at: int | None = None  # the confirmation's block time

    @property
    def display(self) -> str:
        """The NAV per share as a decimal string (it has 18 decimals)."""
        return format_units(self.value, NAV_DECIMALS)


def _nav(row: Any) -> IndexedNav:
    return IndexedNav(int(row.nav_id), int(row.value), int(row.valuation_time), int(row.published_block),
                      int(row.published_at), str(row.status),
                      None if row.confirmed_block is None else int(row.confirmed_block),
                      None if row.confirmed_at is None else int(row.confirmed_at))  # fmt: skip


@dataclass(frozen=True, slots=True)
class IndexedFund:
    asset: IndexedAsset
    terms: dict[str, Any]  # index_fund's state columns
    latest_nav: IndexedNav | None

    @property
    def vault(self) -> str:
        return str(self.terms["vault"])

    def cash(self, amount: int) -> str:
        """An amount of the settlement currency as a decimal string."""
        return format_units(amount, int(self.terms["coin_decimals"]))

    def shares(self, amount: int) -> str:
        return format_units(amount, int(self.terms["share_decimals"]))

    def dust(self, amount: int) -> str:
        """A dealing day's dust (in 10**-(18 + share decimals) of a cash base unit) as an exact decimal string
        of the settlement currency."""
        return format_units(amount, int(self.terms["coin_decimals"]) + int(self.terms["share_decimals"]) + NAV_DECIMALS)

    def usable(self, at: int | None) -> bool | None:
        """Could the vault deal at its latest NAV at unix time `at`: accepted or confirmed, and no more than
        the terms' maximum age past the later of its valuation and its confirmation (the vault's
        ``navUsable``)? None when `at` is unknown."""
        if at is None:
            return None
        nav = self.latest_nav
        if nav is None or nav.status not in ("accepted", "confirmed"):
            return False
        return at <= max(nav.valuation_time, nav.confirmed_at or 0) + int(self.terms["max_nav_age"])


def _latest_nav(connection: Connection, chain_id: int, vault: str, block: int | None) -> IndexedNav | None:
    if block is None:
        query = select(NAV).where(NAV.c.chain_id == chain_id, NAV.c.vault == vault).order_by(NAV.c.nav_id.desc())
    else:
        query = (
            select(NAV_H)
            .where(NAV_H.c.chain_id == chain_id, NAV_H.c.vault == vault, NAV_H.c.block_number <= block)
            .order_by(NAV_H.c.nav_id.desc(), NAV_H.c.block_number.desc(), NAV_H.c.log_index.desc())
        )
    row = connection.execute(query.limit(1)).first()
    return None if row is None else _nav(row)


def funds(connection: Connection, chain_id: int, block: int | None = None) -> list[IndexedFund]:
    """Every fund with a vault (now, or as of `block`), in the order its asset was created."""
    by_address = {a.address: a for a in assets(connection, chain_id)}
    rows = connection.execute(_state(FUND, FUND_H, ("vault",), chain_id, block)).mappings().all()
    found = [
        IndexedFund(by_address[row["asset"]], dict(row), _latest_nav(connection, chain_id, row["vault"], block))
        for row in rows
        if row["asset"] in by_address
    ]
    return sorted(found, key=lambda f: (f.asset.block_number, f.asset.address))


def fund(connection: Connection, chain_id: int, ref: str, block: int | None = None) -> IndexedFund:
    """The fund of an asset (symbol or address); NotFound (fund_not_found) for no asset or no vault."""
    try:
        found = asset(connection, chain_id, ref)
    except NotFound:
        found = None
    rows = [] if found is None else connection.execute(
        _state(FUND, FUND_H, ("vault",), chain_id, block, lambda c: c.asset == found.address)
    ).mappings().all()  # fmt: skip
    if found is None or not rows:
        when = "" if block is None else f" at block {block}"
        raise NotFound(
            f"No fund {ref!r} with a dealing vault on this platform (as far as the index has read{when}): GET /funds "
            "lists them",
            code="fund_not_found",
            asset=ref,
        )
    row = dict(rows[0])
    return IndexedFund(found, row, _latest_nav(connection, chain_id, row["vault"], block))


def navs(connection: Connection, chain_id: int, vault: str, block: int | None, *, offset: int = 0,
         limit: int = MAX_PAGE) -> list[IndexedNav]:  # fmt: skip
    """The vault's NAVs, oldest first, with each one's status now or as of `block`: one page."""
    query = _state(NAV, NAV_H, ("vault", "nav_id"), chain_id, block, lambda c: c.vault == vault).subquery()
    page = select(query).order_by(query.c.nav_id).offset(offset).limit(min(limit, MAX_PAGE))
    return [_nav(row) for row in connection.execute(page)]


def days(connection: Connection, chain_id: int, vault: str, block: int | None, *, offset: int = 0,
         limit: int = MAX_PAGE) -> list[dict[str, Any]]:  # fmt: skip
    """The vault's dealing days with a request or a settlement, oldest first: one page."""
    query = _state(DAY, DAY_H, ("vault", "day"), chain_id, block, lambda c: c.vault == vault).subquery()
    page = select(query).order_by(query.c.day).offset(offset).limit(min(limit, MAX_PAGE))
    return [dict(row) for row in connection.execute(page).mappings()]


def open_requests(connection: Connection, chain_id: int, vault: str, controllers: Sequence[str] | None,
                  block: int | None, *, offset: int = 0, limit: int = MAX_PAGE) -> list[dict[str, Any]]:  # fmt: skip
    """The requests of `controllers` (every controller if None) with something pending, claimable or
    cancelled to take back, now or as of `block`, by controller and side: one page."""
    if controllers is not None and not controllers:
        return []

    def mine(c: Any) -> Any:
        return c.vault == vault if controllers is None else (c.vault == vault) & c.controller.in_(controllers)

    query = _state(REQUEST, REQUEST_H, ("vault", "controller", "side"), chain_id, block, mine).subquery()
    still_open = or_(query.c.pending != 0, query.c.claimable_assets != 0, query.c.claimable_shares != 0,
                     query.c.cancelled != 0)  # fmt: skip
    page = select(query).where(still_open).order_by(query.c.controller, query.c.side)
    rows = connection.execute(page.offset(offset).limit(min(limit, MAX_PAGE)))
    return [dict(row) for row in rows.mappings()]


def investors_of(connection: Connection, chain_id: int, wallets: Sequence[str], block: int | None) -> dict[str, str]:
    """The investor each of `wallets` is registered to now (or as of `block`); unregistered ones are left out."""
    if not wallets:
        return {}
    if block is None:
        query = select(WALLET.c.wallet, WALLET.c.investor_id).where(
            WALLET.c.chain_id == chain_id, WALLET.c.wallet.in_(wallets), WALLET.c.active
        )
    else:
        latest = _latest(WALLET_H, ("wallet", "investor_id", "active"), ("wallet",), block,
                         WALLET_H.c.chain_id == chain_id, WALLET_H.c.wallet.in_(wallets))  # fmt: skip
        query = select(latest.c.wallet, latest.c.investor_id).where(latest.c.rank == 1, latest.c.active)
    return {str(w): str(i) for w, i in connection.execute(query)}
