"""Gas benchmark of a fund's dealing (FundVault): requests, settlement, claims and cancellation, and
settlement with 10 against 1,000 pending requests.

Run from the repository root with the virtualenv active:

    python bench/funds.py [--json PATH] [--requests 1000]

One Anvil is started for the run (and stopped at the end). The platform is deployed with its money leg
(the test HKD coin and the FundVaultFactory); a fund of 4 decimals gets its vault (NAV 10.00, 50 bps
subscription fee, 25 bps redemption fee, cut-off 09:00 UTC). Every figure is the ``gasUsed`` of one
real transaction's receipt, in steady state: a warm-up dealing day is settled and claimed first, so the
cash and fee accounts and the investors already hold HKD and shares.

- requestDeposit: the controller's first request of a day (new pending request, first on the day's
  totals) and a repeat the same day (adds up); requestRedeem (burns at the request);
- settleDealingDay with a subscription and a redemption pending; the deposit claim (mints) and the
  redeem claim (pays net and fee from the cash account);
- requestDeposit then cancelDepositRequest and claimCancelDepositRequest;
- settleDealingDay with 10 and with --requests pending subscriptions: one funded wallet pays for each
  controller's request (ERC-7540's owner and controller), the controllers registered in batches of 100,
  each having approved that wallet as its operator (the vault takes no request for a controller without
  its consent; Anvil sends the approvals for them). Settlement's cost must not grow with the number of
  requests (goal: within 5 %; the run exits 1 when it is OVER). A day without
  redemptions costs ~17,000 more than one with: its NAV shares a storage slot with the day's redeemed
  shares, and is then written into an empty slot.

About a minute on a laptop-class machine (the 1,010 controllers' approvals cost as much as their
registration; several minutes on a loaded one).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gas import fresh_wallet, gas, table
from web3.contract import Contract

from rwakit.chain.connection import Chain, connect_url
from rwakit.chain.node import start_node
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import DEV_MNEMONIC
from rwakit.contracts import load_artifact
from rwakit.platform import Platform
from rwakit.registry.models import InvestorInput
from rwakit.tokenize import AssetSpec

YEAR = 365 * 24 * 3600
DAY = 24 * 3600
CUTOFF = 9 * 3600
HKD = 10**6
SHARE = 10**4
NAV = 10 * 10**18
REGISTER_BATCH = 100
SMALL = 10
FLAT_GOAL = 0.05  # settlement with many requests within 5 % of settlement with few


class Bench:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.platform = Platform.deploy(chain)
        self.txm = self.platform.txm
        s = chain.signers
        self.admin, self.alice, self.bob, self.payer = chain.operator, s[1], s[2], s[3]
        self.valuer, self.manager, self.cash_account, self.fee_account = s[4], s[5], s[6], s[7]
        self.expiry = self.now() + YEAR
        self.platform.registry.register_batch([
            InvestorInput("ALICE", [self.alice.address], "HK", "professional", self.expiry),
            InvestorInput("BOB", [self.bob.address], "SG", "professional", self.expiry),
        ])  # fmt: skip
        spec = AssetSpec("Harbour Money Market Fund", "HMMF", 4, "fund", "100000000")
        self.token: Contract = self.platform.assets.token(self.platform.assets.create(spec).address)
        d = self.platform.deployment
        assert d.settlement_token and d.fund_vaults, "the platform deploys its money leg on a local chain"
        self.coin = load_artifact("TestStablecoin").at(chain.w3, d.settlement_token)
        factory = load_artifact("FundVaultFactory").at(chain.w3, d.fund_vaults)
        terms = (self.cash_account.address, 50, 25, 500, 3 * DAY, self.fee_account.address, 1_000 * HKD, 10 * SHARE)
        self.send(self.admin, factory.functions.createVault(self.token.address, CUTOFF, NAV, terms,
                                                            self.valuer.address, self.manager.address))  # fmt: skip
        self.vault = load_artifact("FundVault").at(chain.w3, factory.functions.vaultOf(self.token.address).call())
        self.v = self.vault.functions
        self.send(self.admin, self.token.functions.grantRole(self.token.functions.ISSUER_ROLE().call(),
                                                             self.vault.address))  # fmt: skip
        for who in (self.alice, self.bob, self.payer, self.cash_account):
            self.send(self.admin, self.coin.functions.mint(who.address, 10**9 * HKD))
            self.send(who, self.coin.functions.approve(self.vault.address, 2**256 - 1))
        self.platform.assets.issue_batch(
            "HMMF", [(self.alice.address, 10**4 * SHARE), (self.bob.address, 10**4 * SHARE)]
        )

    # -- chain helpers --------------------------------------------------------------------------

    def send(self, signer: Signer, call: Any) -> int:
        return gas(self.txm.transact(signer, call, label=f"bench {call.fn_name}"))

    def now(self) -> int:
        return int(self.chain.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def open_day(self) -> int:
        """The dealing day requests made now deal on, with at least two hours before its cut-off."""
        day = int(self.v.dealingDay(self.now()).call())
        left = int(self.v.cutoffTime(day).call()) - self.now()
        if left < 7_200:
            self.advance(left + 60)
            day += 1
        return day

    def settle(self, day: int) -> int:
        """Past `day`'s cut-off, a NAV valued now, and the day settled: the settlement's gas."""
        closes = int(self.v.cutoffTime(day).call())
        if self.now() <= closes:
            self.advance(closes - self.now() + 60)
        self.send(self.valuer, self.v.publishNav(NAV, self.now()))
        return self.send(self.manager, self.v.settleDealingDay(day))

    # -- measurements ---------------------------------------------------------------------------

    def day_of_dealing(self) -> dict[str, int]:
        a = self.alice.address
        day = self.open_day()
        first = self.send(self.alice, self.v.requestDeposit(1_000 * HKD, a, a))
        repeat = self.send(self.alice, self.v.requestDeposit(2_000 * HKD, a, a))
        redeem = self.send(self.alice, self.v.requestRedeem(100 * SHARE, a, a))
        settle = self.settle(day)
        return {
            "requestDeposit (first of the day)": first,
            "requestDeposit (repeat, same day)": repeat,
            "requestRedeem": redeem,
            "settleDealingDay (1 subscription, 1 redemption)": settle,
            "deposit (claim: mints the shares)": self.send(self.alice, self.v.deposit(3_000 * HKD, a, a)),
            "redeem (claim: pays net and fee)": self.send(self.alice, self.v.redeem(100 * SHARE, a, a)),
        }

    def cancellation(self) -> dict[str, int]:
        b = self.bob.address
        self.open_day()
        self.send(self.bob, self.v.requestDeposit(1_000 * HKD, b, b))
        cancel = self.send(self.bob, self.v.cancelDepositRequest(0, b))
        claim = self.send(self.bob, self.v.claimCancelDepositRequest(0, b, b))
        return {
            "cancelDepositRequest": cancel,
            "claimCancelDepositRequest": claim,
            "cancel + claimCancel": cancel + claim,
        }

    def register(self, count: int) -> list[str]:
        wallets = [str(fresh_wallet(i)) for i in range(count)]
        for start in range(0, count, REGISTER_BATCH):
            batch = wallets[start : start + REGISTER_BATCH]
            self.platform.registry.register_batch(
                [
                    InvestorInput(f"F-{start + i:05d}", [w], "HK", "professional", self.expiry)
                    for i, w in enumerate(batch)
                ]
            )
        return wallets

    def consent(self, controllers: Sequence[str]) -> None:
        """Each controller (a wallet nobody holds the key of) approves the payer as its operator: Anvil sends
        for it (anvil_impersonateAccount)."""
        w3 = self.chain.w3
        for controller in controllers:
            w3.provider.make_request("anvil_impersonateAccount", [controller])  # type: ignore[arg-type]
            w3.provider.make_request("anvil_setBalance", [controller, hex(10**18)])  # type: ignore[arg-type]
            tx = self.v.setOperator(self.payer.address, True).build_transaction({"from": controller})
            w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))
            w3.provider.make_request("anvil_stopImpersonatingAccount", [controller])  # type: ignore[arg-type]

    def settle_with(self, controllers: Sequence[str]) -> int:
        """A day with one subscription per controller, paid by the payer, settled: the settlement's gas."""
        day = self.open_day()
        owner = self.payer.address
        for controller in controllers:
            self.send(self.payer, self.v.requestDeposit(1_000 * HKD, controller, owner))
        assert int(self.v.dealingDayTotals(day).call()[0]) == len(controllers) * 1_000 * HKD
        return self.settle(day)

    def run(self, requests: int) -> dict[str, Any]:
        self.day_of_dealing()  # warm-up: the first request, settlement and claims ever
        steps = self.day_of_dealing()
        steps |= self.cancellation()
        started = time.perf_counter()
        wallets = self.register(SMALL + requests)
        self.consent(wallets)
        registered = time.perf_counter() - started
        small = self.settle_with(wallets[:SMALL])
        started = time.perf_counter()
        large = self.settle_with(wallets[SMALL:])
        requested = time.perf_counter() - started
        return {"steps": steps, "settle": {SMALL: small, requests: large}, "register_seconds": registered,
                "requests_seconds": requested}  # fmt: skip


def flat(r: dict[str, Any]) -> bool:
    """Settlement with many requests within FLAT_GOAL of settlement with few."""
    (_, small), (_, large) = sorted(r["settle"].items())
    return bool(abs(large / small - 1) <= FLAT_GOAL)


def report(r: dict[str, Any], client: str, seconds: float) -> str:
    f = "{:,}".format
    rows = [[name, f(g)] for name, g in r["steps"].items()]
    (few, small), (many, large) = sorted(r["settle"].items())
    ratio = large / small
    rows += [
        [f"settleDealingDay, {few:,} pending subscriptions", f(small)],
        [f"settleDealingDay, {many:,} pending subscriptions", f(large)],
    ]
    verdict = "ok" if flat(r) else "OVER"
    return "\n".join([
        f"Fund dealing on {client}",
        "",
        table(["operation", "gas"], rows),
        "",
        f"Settlement, {many:,} against {few:,} pending: {ratio:.4f}x (goal within {FLAT_GOAL:.0%}: {verdict})",
        f"Registering {few + many:,} controllers and their approvals: {r['register_seconds']:.1f} s; "
        f"{many:,} requests and their settlement: {r['requests_seconds']:.1f} s; whole run {seconds:.0f} s",
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the measurements as JSON")
    parser.add_argument("--requests", type=int, default=1_000, help="the large day's pending subscriptions")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    signers: list[Signer] = [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in range(10)]  # funded on Anvil
    with start_node("anvil") as node:
        chain = connect_url(node.url, signers)
        result = Bench(chain).run(args.requests)
        print(report(result, chain.w3.client_version, time.perf_counter() - started))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if flat(result) else 1


if __name__ == "__main__":
    raise SystemExit(main())
