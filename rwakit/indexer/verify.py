"""Compare the index with the chain, both at the indexed block: every indexed wallet's balance
(balanceOf), each investor-limits asset's holder count (counts().holders), every investor's
registry record and wallets, and every fund vault's terms, NAVs, dealing days and controllers'
requests (the vault's own views). The chain is the source of truth: each difference is reported."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from web3 import Web3

from rwakit.chain.reads import Call, StaleBlock, read
from rwakit.deployment import Deployment
from rwakit.errors import RwakitError
from rwakit.indexer import store
from rwakit.indexer.projection import table

RECORD = "(uint48,uint40,uint16,uint8,bool,bool)"
TERMS = "(address,uint16,uint16,uint16,uint32,address,uint128,uint128)"
NAV_STATUS = {1: "accepted", 2: "held", 3: "confirmed"}
# the vault's views of one controller's requests, per side: (signature, with request id 0, index column)
REQUEST_VIEWS = {
    "deposit": (("pendingDepositRequest(uint256,address)", True, "pending"),
                ("maxDeposit(address)", False, "claimable_assets"),
                ("maxMint(address)", False, "claimable_shares"),
                ("claimableCancelDepositRequest(uint256,address)", True, "cancelled")),
    "redeem": (("pendingRedeemRequest(uint256,address)", True, "pending"),
               ("maxWithdraw(address)", False, "claimable_assets"),
               ("maxRedeem(address)", False, "claimable_shares"),
               ("claimableRedeemFees(address)", False, "claimable_fees"),
               ("claimableCancelRedeemRequest(uint256,address)", True, "cancelled")),
}  # fmt: skip


@dataclass(frozen=True)
class Report:
    block: int
    checked: int
    differences: list[str]


def _raw_id(investor_id: str) -> bytes:
    """The bytes32 an indexed id came from (ids in other bytes are kept as their 0x hex)."""
    if investor_id.startswith("0x") and len(investor_id) == 66:
        return bytes.fromhex(investor_id[2:])
    return investor_id.encode("ascii").ljust(32, b"\0")


def verify(w3: Web3, engine: Engine, deployment: Deployment, *, attempts: int = 5) -> Report:
    """The differences at the indexed block; read again if an indexer moved on meanwhile."""
    for _ in range(attempts):
        cursor = store.read_cursor(engine, deployment.chain_id)
        if cursor is None:
            raise RwakitError("Nothing is indexed yet: run `rwakit index` first", code="index_empty")
        try:
            report = _compare(w3, engine, deployment, cursor.number)
        except StaleBlock as exc:
            raise RwakitError(
                f"The node no longer has the state of the indexed block {cursor.number} (it keeps recent blocks "
                "only): run `rwakit index` to bring the index to the head, then verify again",
                code="index_behind",
            ) from exc
        if store.read_cursor(engine, deployment.chain_id) == cursor:
            return report
    raise RwakitError("The index kept moving while it was verified: try again", code="index_moving")


def _compare(w3: Web3, engine: Engine, deployment: Deployment, block: int) -> Report:
    chain_id = deployment.chain_id
    balances, wallets = table("index_balance"), table("index_wallet")
    investors, settings = table("index_investor"), table("index_setting")
    with engine.connect() as connection:
        held = connection.execute(
            select(balances.c.asset, balances.c.wallet, balances.c.amount).where(balances.c.chain_id == chain_id)
        ).all()
        owner = dict(connection.execute(
            select(wallets.c.wallet, wallets.c.investor_id).where(wallets.c.chain_id == chain_id)
        ).all())  # fmt: skip
        active: dict[str, set[str]] = defaultdict(set)
        for wallet, investor_id in connection.execute(
            select(wallets.c.wallet, wallets.c.investor_id).where(wallets.c.chain_id == chain_id, wallets.c.active)
        ):
            active[investor_id].add(wallet)
        records = connection.execute(select(investors).where(investors.c.chain_id == chain_id)).mappings().all()
        limited = [
            str(contract)
            for contract, value in connection.execute(
                select(settings.c.contract, settings.c.value).where(
                    settings.c.chain_id == chain_id, settings.c.name == "asset", settings.c.key == "investor_limits"
                )
            )
            if json.loads(value)
        ]
    differences: list[str] = []

    on_chain = read(w3, [Call(a, "balanceOf(address)", (w,)) for a, w, _ in held], block=block)
    for (asset, wallet, amount), actual in zip(held, on_chain, strict=True):
        if int(amount) != actual:
            differences.append(f"balance of {wallet} in {asset}: index {amount}, chain {actual}")

    holders: dict[str, set[str]] = defaultdict(set)
    for asset, wallet, amount in held:
        if amount:
            holders[asset].add(owner.get(wallet, wallet))
    counts = read(w3, [Call(a, "counts()", returns="(uint32,uint32,uint16)") for a in limited], block=block)
    for asset, count in zip(limited, counts, strict=True):
        if len(holders[asset]) != count[0]:
            differences.append(f"holders of {asset}: index {len(holders[asset])}, chain {count[0]}")

    registry = deployment.registry
    raw_ids = [_raw_id(r["investor_id"]) for r in records]
    chain_records = read(w3, [Call(registry, "investor(bytes32)", (r,), RECORD) for r in raw_ids], block=block)
    chain_wallets = read(w3, [Call(registry, "walletsOf(bytes32)", (r,), "address[]") for r in raw_ids], block=block)
    for record, actual, actual_wallets in zip(records, chain_records, chain_wallets, strict=True):
        name = record["investor_id"]
        number, kyc_expiry, country, investor_class, revoked, _ = actual
        expected = (record["number"], record["kyc_expiry"], record["country"], record["investor_class"],
                    bool(record["revoked"]))  # fmt: skip
        if expected != (number, kyc_expiry, country, investor_class, bool(revoked)):
            differences.append(
                f"investor {name}: index (number, kyc expiry, country, class, revoked) {expected}, chain "
                f"{(number, kyc_expiry, country, investor_class, bool(revoked))}"
            )
        if active[name] != set(actual_wallets):
            differences.append(f"wallets of {name}: index {sorted(active[name])}, chain {sorted(actual_wallets)}")
    (count,) = read(w3, [Call(registry, "investorCount()")], block=block)
    if count != len(records):
        differences.append(f"investors: index {len(records)}, chain {count}")
    checked = len(held) + len(limited) + 2 * len(records) + 1
    checked += _compare_funds(w3, engine, chain_id, block, differences)
    return Report(block, checked, differences)


def _compare_funds(w3: Web3, engine: Engine, chain_id: int, block: int, differences: list[str]) -> int:
    """Each vault's terms and NAV count, each NAV, each dealing day's totals, each request's amounts."""
    with engine.connect() as connection:
        funds, navs, days, requests = (
            connection.execute(select(table(name)).where(table(name).c.chain_id == chain_id)).mappings().all()
            for name in ("index_fund", "index_fund_nav", "index_fund_day", "index_fund_request")
        )
    terms = read(w3, [Call(f["vault"], "dealingTerms()", returns=TERMS) for f in funds], block=block)
    counts = read(w3, [Call(f["vault"], "navCount()") for f in funds], block=block)
    latest: dict[str, int] = defaultdict(int)
    for nav in navs:
        latest[nav["vault"]] = max(latest[nav["vault"]], nav["nav_id"])
    for fund, actual, count in zip(funds, terms, counts, strict=True):
        expected = tuple(fund[c] for c in ("cash_account", "subscription_fee_bps", "redemption_fee_bps",
                                           "max_nav_deviation_bps", "max_nav_age", "fee_account", "min_subscription",
                                           "min_redemption"))  # fmt: skip
        actual = (Web3.to_checksum_address(actual[0]), *actual[1:5], Web3.to_checksum_address(actual[5]), *actual[6:])
        if expected != actual:
            differences.append(f"terms of vault {fund['vault']}: index {expected}, chain {actual}")
        if latest[fund["vault"]] != count:
            differences.append(f"NAVs of vault {fund['vault']}: index {latest[fund['vault']]}, chain {count}")
    on_chain = read(w3, [Call(n["vault"], "nav(uint256)", (n["nav_id"],), "(uint128,uint40,uint40,uint8,uint40)")
                         for n in navs], block=block)  # fmt: skip
    for nav, (value, valuation_time, published_at, status, confirmed_at) in zip(navs, on_chain, strict=True):
        expected = (nav["value"], nav["valuation_time"], nav["published_at"], nav["status"], nav["confirmed_at"] or 0)
        actual_nav = (value, valuation_time, published_at, NAV_STATUS.get(status), confirmed_at)
        if expected != actual_nav:
            differences.append(
                f"NAV {nav['nav_id']} of vault {nav['vault']}: index (value, valuation time, published at, "
                f"status, confirmed at) {expected}, chain {actual_nav}"
            )
    totals = read(w3, [Call(d["vault"], "dealingDayTotals(uint256)", (d["day"],), "(uint128,uint128,uint128,uint128)")
                       for d in days], block=block)  # fmt: skip
    for day, actual in zip(days, totals, strict=True):
        expected = (day["deposit_assets"], day["deposit_fees"], day["redeem_shares"], day["nav"])
        if expected != tuple(actual):
            differences.append(
                f"dealing day {day['day']} of vault {day['vault']}: index (deposit assets, fees, redeem shares, "
                f"nav) {expected}, chain {tuple(actual)}"
            )
    calls, expected_values = [], []
    for request in requests:
        for signature, with_id, column in REQUEST_VIEWS[request["side"]]:
            args = (0, request["controller"]) if with_id else (request["controller"],)
            calls.append(Call(request["vault"], signature, args))
            expected_values.append((request, column))
    for (request, column), actual in zip(expected_values, read(w3, calls, block=block), strict=True):
        if request[column] != actual:
            differences.append(
                f"{request['side']} {column} of {request['controller']} in vault {request['vault']}: index "
                f"{request[column]}, chain {actual}"
            )
    return 2 * len(funds) + len(navs) + len(days) + len(calls)
