"""From a vault's events to the fund tables: the vault, its NAVs, its dealing days and each controller's
requests, current rows and history rows, as projection.py does for the assets.

The vault settles a controller's request lazily (at its next call); its views add what settled days
dealt. The index settles eagerly instead: a ``DealingDaySettled`` moves every request pending on that
day to claimable, with the vault's own arithmetic (shares and cash rounded down, fees up), so each row
equals what the vault's views answer at the same block. Rows are read from the current tables the
first time an event touches their key (fund events are few beside transfers).

Settling also records on the day's row what the vault never states but its rounding implies: the shares
its subscriptions bought, the cash of those that bought none (refunded), what its redemptions pay and
their fees, and the dust (see FundDayState), so that a day's cash balances exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import SQLModel

import rwakit.indexer.tables  # noqa: F401 - registers the tables
from rwakit.errors import RwakitError
from rwakit.indexer.events import Event

DAY = 86_400
BPS = 10_000
NAV_DECIMALS = 18
FUND_EVENTS = frozenset({
    "FundVaultCreated", "NavPublished", "NavConfirmed", "TermsSet", "DealingDaySettled", "RedemptionFeePaid",
    "DepositRequest", "RedeemRequest", "Deposit", "Withdraw", "CancelDepositRequest", "CancelDepositClaim",
    "CancelRedeemRequest", "CancelRedeemClaim",
})  # fmt: skip
DEALT = ("deposit_shares", "deposit_refunded", "deposit_dust", "redeem_assets", "redeem_fees", "redeem_dust")
TERMS = ("cash_account", "subscription_fee_bps", "redemption_fee_bps", "max_nav_deviation_bps", "max_nav_age",
         "fee_account", "min_subscription", "min_redemption")  # fmt: skip


class FundIndexInconsistent(RwakitError):
    """A vault event refers to state the index never saw, or takes more than it holds."""

    code = "index_inconsistent"


@dataclass(frozen=True)
class FundAtCreation:
    """What the vault's arithmetic needs and no event says: the share's and the currency's decimals."""

    share_decimals: int
    coin_decimals: int


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def request_status(row: dict[str, Any]) -> str:
    """pending (a request waits for its day), claimable (dealt, to claim), cancelled (a cancellation to take
    back, or nothing left after one), claimed (everything dealt was claimed)."""
    if row["pending"]:
        return "pending"
    if row["claimable_shares"] or row["claimable_assets"]:
        return "claimable"
    if row["cancelled"] or not row["claimed_shares"]:
        return "cancelled"
    return "claimed"


@dataclass
class FundProjection:
    chain_id: int
    connection: Connection | None = None
    timestamps: dict[int, int] = field(default_factory=dict)  # block number -> timestamp, the batch's blocks
    created: dict[str, FundAtCreation] = field(default_factory=dict)  # vault -> read at its creation
    funds: dict[tuple[str], dict[str, Any]] = field(default_factory=dict)
    fund_changes: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    navs: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    nav_changes: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    days: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    day_changes: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    requests: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    request_changes: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    contracts: list[dict[str, Any]] = field(default_factory=list)
    _terms: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # a new vault's TermsSet, before its creation

    # -- rows: from memory, else the current table ----------------------------------------------

    def _load(self, name: str, **key: Any) -> dict[str, Any] | None:
        if self.connection is None:
            return None
        target = SQLModel.metadata.tables[name]
        query = select(target).where(target.c.chain_id == self.chain_id, *(target.c[k] == v for k, v in key.items()))
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def _fund(self, event: Event) -> dict[str, Any]:
        fund = self.funds.get((event.contract,)) or self._load("index_fund", vault=event.contract)
        if fund is None:
            raise FundIndexInconsistent(
                f"{event.name} from vault {event.contract} (tx {event.tx_hash}) before the index saw it created: "
                "run `rwakit index --rebuild`"
            )
        self.funds[(event.contract,)] = fund
        return fund

    def _nav(self, event: Event, nav_id: int) -> dict[str, Any]:
        key = (event.contract, nav_id)
        row = self.navs.get(key) or self._load("index_fund_nav", vault=event.contract, nav_id=nav_id)
        if row is None:
            raise FundIndexInconsistent(f"NAV {nav_id} of vault {event.contract} confirmed before it was published")
        return row

    def _day(self, event: Event, day: int) -> dict[str, Any]:
        key = (event.contract, day)
        row = self.days.get(key) or self._load("index_fund_day", vault=event.contract, day=day)
        if row is None:
            row = {"chain_id": self.chain_id, "vault": event.contract, "day": day, "deposit_assets": 0,
                   "deposit_fees": 0, "redeem_shares": 0, "nav_id": None, "nav": 0, "settled_block": None,
                   **dict.fromkeys(DEALT, 0)}  # fmt: skip
        return row

    def _request(self, event: Event, controller: str, side: str) -> dict[str, Any]:
        key = (event.contract, controller, side)
        row = self.requests.get(key) or self._load("index_fund_request", vault=event.contract, controller=controller,
                                                   side=side)  # fmt: skip
        if row is None:
            row = {"chain_id": self.chain_id, "vault": event.contract, "controller": controller, "side": side,
                   "day": 0, "pending": 0, "pending_fees": 0, "claimable_assets": 0,
                   "claimable_shares": 0, "claimable_fees": 0, "cancelled": 0, "claimed_assets": 0,
                   "claimed_shares": 0, "status": "pending"}  # fmt: skip
        return row

    # -- writing a row now and in history --------------------------------------------------------

    def _put(self, current: dict[Any, dict[str, Any]], changes: dict[Any, dict[str, Any]], key: tuple[Any, ...],
             row: dict[str, Any], event: Event) -> None:  # fmt: skip
        state = {**row, "chain_id": self.chain_id, "block_number": event.block_number}
        state.pop("log_index", None)
        current[key] = state
        changes[(*key, event.block_number, event.log_index)] = {**state, "log_index": event.log_index}

    def _put_request(self, event: Event, row: dict[str, Any]) -> None:
        for name in ("pending", "pending_fees", "claimable_assets", "claimable_shares", "claimable_fees", "cancelled"):
            if row[name] < 0:
                raise FundIndexInconsistent(
                    f"{event.name} (tx {event.tx_hash}) leaves {row['controller']}'s {row['side']} {name} at "
                    f"{row[name]} in vault {event.contract}: the index missed an event; run `rwakit index --rebuild`"
                )
        row["status"] = request_status(row)
        self._put(self.requests, self.request_changes, (row["vault"], row["controller"], row["side"]), row, event)

    def _put_day(self, event: Event, row: dict[str, Any]) -> None:
        self._put(self.days, self.day_changes, (row["vault"], row["day"]), row, event)

    # -- events -----------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        getattr(self, f"_on_{event.name}")(event, *event.args)

    def _on_TermsSet(self, event: Event, *terms: Any) -> None:
        """The constructor's TermsSet comes before the factory's FundVaultCreated (same transaction): kept
        until the vault's row is written."""
        fund = self.funds.get((event.contract,)) or self._load("index_fund", vault=event.contract)
        if fund is None:
            self._terms[event.contract] = terms
            return
        self._put(self.funds, self.fund_changes, (event.contract,), {**fund, **dict(zip(TERMS, terms, strict=True))},
                  event)  # fmt: skip

    def _on_FundVaultCreated(self, event: Event, asset: str, vault: str, admin: str, cutoff: int) -> None:
        terms = self._terms.pop(vault, None)
        if terms is None:
            raise FundIndexInconsistent(f"vault {vault} created (tx {event.tx_hash}) without its TermsSet")
        info = self.created[vault]
        row = {"vault": vault, "asset": asset, "admin": admin, "cutoff": cutoff, "share_decimals": info.share_decimals,
               "coin_decimals": info.coin_decimals, **dict(zip(TERMS, terms, strict=True))}  # fmt: skip
        self._put(self.funds, self.fund_changes, (vault,), row, event)
        self.contracts.append({"chain_id": self.chain_id, "address": vault, "kind": "fund_vault", "symbol": "",
                               "name": "", "decimals": 0, "block_number": event.block_number})  # fmt: skip

    def _on_NavPublished(self, event: Event, nav_id: int, value: int, valuation_time: int, held: bool) -> None:
        row = {"vault": event.contract, "nav_id": nav_id, "value": value, "valuation_time": valuation_time,
               "published_block": event.block_number, "published_at": self.timestamps[event.block_number],
               "status": "held" if held else "accepted", "confirmed_block": None, "confirmed_at": None}  # fmt: skip
        self._put(self.navs, self.nav_changes, (event.contract, nav_id), row, event)

    def _on_NavConfirmed(self, event: Event, nav_id: int, _admin: str) -> None:
        row = {**self._nav(event, nav_id), "status": "confirmed", "confirmed_block": event.block_number,
               "confirmed_at": self.timestamps[event.block_number]}  # fmt: skip
        self._put(self.navs, self.nav_changes, (event.contract, nav_id), row, event)

    def _on_DepositRequest(self, event: Event, controller: str, _owner: str, _sender: str, assets: int) -> None:
        fund = self._fund(event)
        day = (self.timestamps[event.block_number] + DAY - fund["cutoff"]) // DAY
        fee = _ceil_div(assets * fund["subscription_fee_bps"], BPS)
        row = self._request(event, controller, "deposit")
        row.update(day=day, pending=row["pending"] + assets, pending_fees=row["pending_fees"] + fee)
        self._put_request(event, row)
        totals = self._day(event, day)
        totals.update(deposit_assets=totals["deposit_assets"] + assets, deposit_fees=totals["deposit_fees"] + fee)
        self._put_day(event, totals)

    def _on_RedeemRequest(self, event: Event, controller: str, _owner: str, _sender: str, shares: int) -> None:
        fund = self._fund(event)
        day = (self.timestamps[event.block_number] + DAY - fund["cutoff"]) // DAY
        row = self._request(event, controller, "redeem")
        # each request keeps the fee rate in force at it: the vault sums shares x rate (its fee weight)
        row.update(day=day, pending=row["pending"] + shares,
                   pending_fees=row["pending_fees"] + shares * fund["redemption_fee_bps"])  # fmt: skip
        self._put_request(event, row)
        totals = self._day(event, day)
        totals["redeem_shares"] += shares
        self._put_day(event, totals)

    def _on_CancelDepositRequest(self, event: Event, controller: str) -> None:
        row = self._request(event, controller, "deposit")
        totals = self._day(event, row["day"])
        totals.update(deposit_assets=totals["deposit_assets"] - row["pending"],
                      deposit_fees=totals["deposit_fees"] - row["pending_fees"])  # fmt: skip
        row.update(cancelled=row["cancelled"] + row["pending"], pending=0, pending_fees=0)
        self._put_request(event, row)
        self._put_day(event, totals)

    def _on_CancelRedeemRequest(self, event: Event, controller: str) -> None:
        row = self._request(event, controller, "redeem")
        totals = self._day(event, row["day"])
        totals["redeem_shares"] -= row["pending"]
        row.update(cancelled=row["cancelled"] + row["pending"], pending=0, pending_fees=0)
        self._put_request(event, row)
        self._put_day(event, totals)

    def _on_CancelDepositClaim(self, event: Event, controller: str, _receiver: str, assets: int) -> None:
        row = self._request(event, controller, "deposit")
        row["cancelled"] -= assets
        self._put_request(event, row)

    def _on_CancelRedeemClaim(self, event: Event, controller: str, _receiver: str, shares: int) -> None:
        row = self._request(event, controller, "redeem")
        row["cancelled"] -= shares
        self._put_request(event, row)

    def _on_Deposit(self, event: Event, controller: str, _receiver: str, assets: int, shares: int) -> None:
        row = self._request(event, controller, "deposit")
        self._claimed(event, row, assets, shares)

    def _on_Withdraw(self, event: Event, _sender: str, _receiver: str, controller: str, assets: int,
                     shares: int) -> None:  # fmt: skip
        row = self._request(event, controller, "redeem")
        self._claimed(event, row, assets, shares)

    def _claimed(self, event: Event, row: dict[str, Any], assets: int, shares: int) -> None:
        row["claimable_assets"] -= assets
        row["claimable_shares"] -= shares
        row["claimed_assets"] += assets
        row["claimed_shares"] += shares
        self._put_request(event, row)

    def _on_RedemptionFeePaid(self, event: Event, controller: str, fee: int) -> None:
        row = self._request(event, controller, "redeem")
        row["claimable_fees"] -= fee
        self._put_request(event, row)

    def _on_DealingDaySettled(self, event: Event, day: int, nav_id: int, nav: int, deposit_assets: int,
                              deposit_fees: int, redeem_shares: int) -> None:  # fmt: skip
        """The day's totals as the vault fixed them, every request pending on it dealt at `nav` (a subscription
        that buys no share is refunded, its cash net of fees to take back), and what they dealt in all."""
        fund = self._fund(event)
        to_shares = 10 ** fund["share_decimals"] * 10**NAV_DECIMALS
        price = nav * 10 ** fund["coin_decimals"]
        dealt = dict.fromkeys(DEALT, 0)
        for row in self._pending_on(event.contract, day):
            if row["side"] == "deposit":
                net = row["pending"] - row["pending_fees"]
                shares = net * to_shares // price
                if shares:
                    row.update(claimable_assets=row["claimable_assets"] + row["pending"],
                               claimable_shares=row["claimable_shares"] + shares)  # fmt: skip
                else:
                    row["cancelled"] += net
                    dealt["deposit_refunded"] += net
                dealt["deposit_shares"] += shares
                row.update(pending=0, pending_fees=0)
            else:
                gross = row["pending"] * price // to_shares
                fee = _ceil_div(gross * row["pending_fees"], row["pending"] * BPS)
                row.update(claimable_shares=row["claimable_shares"] + row["pending"],
                           claimable_assets=row["claimable_assets"] + gross - fee,
                           claimable_fees=row["claimable_fees"] + fee, pending=0, pending_fees=0)  # fmt: skip
                dealt["redeem_assets"] += gross
                dealt["redeem_fees"] += fee
            self._put_request(event, row)
        kept = deposit_assets - deposit_fees - dealt["deposit_refunded"]
        dealt["deposit_dust"] = kept * to_shares - dealt["deposit_shares"] * price
        dealt["redeem_dust"] = redeem_shares * price - dealt["redeem_assets"] * to_shares
        if dealt["deposit_dust"] < 0 or dealt["redeem_dust"] < 0:
            raise FundIndexInconsistent(f"dealing day {day} of vault {event.contract} (tx {event.tx_hash}) deals more "
                                        "than its totals: the index missed a request; run `rwakit index --rebuild`")
        totals = self._day(event, day)
        totals.update(deposit_assets=deposit_assets, deposit_fees=deposit_fees, redeem_shares=redeem_shares,
                      nav_id=nav_id, nav=nav, settled_block=event.block_number, **dealt)  # fmt: skip
        self._put_day(event, totals)

    def _pending_on(self, vault: str, day: int) -> list[dict[str, Any]]:
        """Every request of `vault` pending on `day`: this batch's rows, and the stored ones it has not touched."""
        if self.connection is not None:
            target = SQLModel.metadata.tables["index_fund_request"]
            query = select(target).where(target.c.chain_id == self.chain_id, target.c.vault == vault,
                                         target.c.day == day, target.c.pending != 0)  # fmt: skip
            for stored in self.connection.execute(query).mappings():
                key = (vault, stored["controller"], stored["side"])
                self.requests.setdefault(key, dict(stored))
        found = [r for (v, _, _), r in self.requests.items() if v == vault and r["day"] == day and r["pending"]]
        return sorted(found, key=lambda r: (r["side"], r["controller"]))
