"""The funds' cast: a fund asset with its dealing vault (FundVault, opened through the platform's
FundVaultFactory), three funded investors, a cash account that pays redemptions, a fee account, and
raw senders for the contract tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.conftest import investor, now

SHARE = 10**4  # the fund's 4 decimals
HKD = 10**6  # the test coin's 6 decimals
NAV_ONE = 10**18  # a NAV of 1.00 (NAV_DECIMALS = 18)
CASH = 10_000_000 * HKD
CUTOFF = 9 * 3600  # 17:00 Hong Kong time is 09:00 UTC
DAY = 86_400
MAX_FEE_BPS = 1_000


@dataclass(frozen=True)
class Fund:
    """`alice` (HK) and `bob` (SG) professional investors, `carol` (GB) institutional, each with CASH of the
    test coin and no shares; `outsider` funded but unregistered. `admin` is the asset's and the vault's
    admin (the operator), `valuer` publishes NAVs, `manager` settles; `cash_account` approved the vault
    for redemptions; fees go to `fee_account`. Initial NAV 10.00; subscription fee 50 bps, redemption
    25 bps; NAVs held beyond 5 % from the baseline, stale after 3 days."""

    platform: Platform
    chain: Chain
    token: Contract
    coin: Contract
    vault: Contract
    vault_factory: Contract
    admin: Signer
    valuer: Signer
    manager: Signer
    cash_account: Signer
    fee_account: Signer
    alice: Signer
    bob: Signer
    carol: Signer
    outsider: Signer

    def send(self, signer: Signer, call: ContractFunction) -> TxReceipt:
        return self.platform.txm.transact(signer, call, label=f"{call.fn_name} by {signer.address}")

    def shares(self, who: Signer | str) -> int:
        return int(self.token.functions.balanceOf(who if isinstance(who, str) else who.address).call())

    def cash(self, who: Signer | str) -> int:
        return int(self.coin.functions.balanceOf(who if isinstance(who, str) else who.address).call())

    def events(self, contract: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        return [dict(log["args"]) for log in contract.events[name]().process_receipt(receipt, errors=DISCARD)]

    def today(self) -> int:
        return int(self.vault.functions.dealingDay(now(self.chain)).call())

    def subscribe(self, who: Signer, assets: int) -> TxReceipt:
        self.send(who, self.coin.functions.approve(self.vault.address, assets))
        return self.send(who, self.vault.functions.requestDeposit(assets, who.address, who.address))

    def redeem_request(self, who: Signer, shares: int) -> TxReceipt:
        return self.send(who, self.vault.functions.requestRedeem(shares, who.address, who.address))

    def past_cutoff(self, day: int) -> None:
        """Mine a block just after `day`'s cut-off (if it is still ahead)."""
        from tests.conftest import advance_time

        closes = int(self.vault.functions.cutoffTime(day).call())
        if now(self.chain) < closes:
            advance_time(self.chain, closes - now(self.chain) + 1)

    def open_day(self) -> int:
        """The dealing day requests made now deal on, with at least two hours left before its cut-off
        (moving just past the current cut-off when it is nearer)."""
        from tests.conftest import advance_time

        day = self.today()
        left = int(self.vault.functions.cutoffTime(day).call()) - now(self.chain)
        if left < 7_200:
            advance_time(self.chain, left + 60)
            day += 1
        return day

    def issue(self, who: Signer, shares: int) -> None:
        """Shares issued outside dealing (the admin is the asset's issuer), for redemption tests."""
        self.platform.assets.issue(self.token.address, who.address, shares)

    def publish(self, nav: int) -> TxReceipt:
        return self.send(self.valuer, self.vault.functions.publishNav(nav, now(self.chain)))

    def consent(self, controllers: Sequence[str], operator: Signer) -> None:
        """Each of `controllers` (wallets rwakit holds no key for) approves `operator`, as their owner would
        (Anvil sends for them: anvil_impersonateAccount)."""
        w3 = self.chain.w3
        for controller in controllers:
            w3.provider.make_request("anvil_impersonateAccount", [controller])  # type: ignore[arg-type]
            w3.provider.make_request("anvil_setBalance", [controller, hex(10**18)])  # type: ignore[arg-type]
            tx = self.vault.functions.setOperator(operator.address, True).build_transaction({"from": controller})
            w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))
            w3.provider.make_request("anvil_stopImpersonatingAccount", [controller])  # type: ignore[arg-type]

    def settle(self, day: int, nav: int | None = None) -> TxReceipt:
        """Past the day's cut-off, publish `nav` (valued now) if given, and settle the day."""
        self.past_cutoff(day)
        if nav is not None:
            self.publish(nav)
        return self.send(self.manager, self.vault.functions.settleDealingDay(day))


def terms(cash_account: str, fee_account: str, **changes: int) -> tuple[Any, ...]:
    """FundVault.Terms in ABI order."""
    values: dict[str, Any] = {
        "cashAccount": cash_account,
        "subscriptionFeeBps": 50,
        "redemptionFeeBps": 25,
        "maxNavDeviationBps": 500,
        "maxNavAge": 3 * DAY,
        "feeAccount": fee_account,
        "minSubscription": 1_000 * HKD,
        "minRedemption": 10 * SHARE,
    }
    values.update(changes)
    return tuple(values.values())


@pytest.fixture(scope="module")
def fund(platform: Platform, chain: Chain) -> Iterator[Fund]:
    """Built inside its own snapshot; every test's snapshot then reverts to it."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    s = chain.signers
    platform.registry.register_batch([
        investor(chain, "ALICE", s[1], country="HK"),
        investor(chain, "BOB", s[2], country="SG"),
        investor(chain, "CAROL", s[3], country="GB", investor_class="institutional"),
    ])  # fmt: skip
    spec = AssetSpec("Harbour Money Market Fund", "HMMF", 4, "fund", "100000000")
    token = platform.assets.token(platform.assets.create(spec).address)
    d = platform.deployment
    assert d.settlement_token and d.fund_vaults
    coin = load_artifact("TestStablecoin").at(chain.w3, d.settlement_token)
    factory = load_artifact("FundVaultFactory").at(chain.w3, d.fund_vaults)
    admin, valuer, manager, cash_account, fee_account = chain.operator, s[4], s[5], s[6], s[7]
    call = factory.functions.createVault(
        token.address, CUTOFF, 10 * NAV_ONE, terms(cash_account.address, fee_account.address),
        valuer.address, manager.address,
    )  # fmt: skip
    platform.txm.transact(admin, call, label="create vault")
    vault = load_artifact("FundVault").at(chain.w3, factory.functions.vaultOf(token.address).call())
    f = Fund(platform, chain, token, coin, vault, factory, admin, valuer, manager, cash_account, fee_account,
             s[1], s[2], s[3], s[9])  # fmt: skip
    f.send(admin, token.functions.grantRole(token.functions.ISSUER_ROLE().call(), vault.address))
    for who in (f.alice, f.bob, f.carol, f.outsider, f.cash_account):
        f.send(admin, coin.functions.mint(who.address, CASH))
    f.send(cash_account, coin.functions.approve(vault.address, 2**256 - 1))
    yield f
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()
