"""A ruled asset with a cast of investors, and the assertions the compliance and controls tests share.

Every refusal is checked three ways: ``detectTransferRestriction`` (and ``canTransfer``) report the
code, the Python service raises :class:`ComplianceError` with that code and its reason, and no
balance moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError
from rwakit.platform import Platform
from tests.contracts.erc20_behaviour import ZERO_ADDRESS

DECIMALS = 2
SHARE = 10**DECIMALS
ALICE_HOLDS = 1_000 * SHARE
BOB_HOLDS = 500 * SHARE
ALICE, BOB, CAROL, DAVE = "ALICE", "BOB", "CAROL", "DAVE"
HK, SG, US, GB = 344, 702, 840, 826
REASON = "court order HCA 123/2026"

Party = Signer | str


def address(party: Party) -> str:
    return party if isinstance(party, str) else party.address


@dataclass(frozen=True)
class RuledAsset:
    """An asset created with investor limits, and its investors:

    ALICE (HK, professional; wallets alice, alice_spare) holds ALICE_HOLDS in `alice`;
    BOB (SG, professional; bob, bob_spare) holds BOB_HOLDS in `bob`; CAROL (US, retail; carol) and
    DAVE (GB, institutional; dave) hold nothing. `newcomer` and `outsider` are funded but unregistered.
    """

    platform: Platform
    chain: Chain
    symbol: str
    token: Contract
    issuer: Signer
    alice: Signer
    alice_spare: Signer
    bob: Signer
    bob_spare: Signer
    carol: Signer
    dave: Signer
    newcomer: Signer
    outsider: Signer

    # -- reads ----------------------------------------------------------------------------------

    def balance(self, party: Party) -> int:
        return int(self.token.functions.balanceOf(address(party)).call())

    def supply(self) -> int:
        return int(self.token.functions.totalSupply().call())

    def frozen(self, party: Party) -> int:
        return int(self.token.functions.getFrozenTokens(address(party)).call())

    def holders(self) -> int:
        return int(self.token.functions.counts().call()[0])

    def investor_balance(self, investor_id: str) -> int:
        """The investor's shares over all their wallets, as the token counts them."""
        wallet = self.platform.registry.get(investor_id).wallets[0]
        return int(self.token.functions.investorBalanceOf(wallet).call())

    def restriction(self, sender: Party | None, to: Party, amount: int) -> Restriction | int:
        """detectTransferRestriction through the Python service (a None sender asks about an issuance)."""
        return self.platform.assets.check_transfer(
            self.symbol, ZERO_ADDRESS if sender is None else address(sender), address(to), amount
        )

    def can_transfer(self, sender: Party, to: Party, amount: int) -> bool:
        return bool(self.token.functions.canTransfer(address(sender), address(to), amount).call())

    def events(self, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        return [dict(log["args"]) for log in self.token.events[name]().process_receipt(receipt, errors=DISCARD)]

    # -- writes ---------------------------------------------------------------------------------

    def transfer(self, sender: Signer, to: Party, amount: int) -> TxReceipt:
        return self.platform.assets.transfer(self.symbol, sender, address(to), amount)

    def issue(self, to: Party, amount: int) -> TxReceipt:
        return self.platform.assets.issue(self.symbol, address(to), amount)

    def send(self, signer: Signer, call: ContractFunction) -> TxReceipt:
        """A raw contract call, for what the services do not reach."""
        return self.platform.txm.transact(signer, call, label=f"{call.fn_name} by {signer.address}")

    def mine_despite_revert(self, signer: Signer, call: ContractFunction) -> TxReceipt:
        """Send with fixed gas, skipping the manager's pre-send estimate, so the node mines the failing transaction."""
        w3 = self.chain.w3
        nonce = w3.eth.get_transaction_count(signer.address, "pending")
        params = {"from": signer.address, "gas": 2_000_000, "nonce": nonce, "chainId": self.chain.chain_id}
        tx = call.build_transaction(params)  # type: ignore[arg-type]
        receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signer.sign_transaction(dict(tx))))
        self.platform.txm.reset_nonce(signer.address)
        return receipt


def assert_compliance_error(refused: pytest.ExceptionInfo[ComplianceError], code: Restriction) -> None:
    """A typed refusal carrying the restriction's code and machine-readable reason."""
    assert (refused.value.reason_code, refused.value.reason) == (int(code), code.name.lower())
    assert refused.value.code == "compliance_refused"


def assert_refused(
    asset: RuledAsset, action: Callable[[], object], check: Restriction | int, code: Restriction
) -> None:
    """The view reported `code` (`check`), the action raises ComplianceError with it, and nothing moves."""
    assert check == code
    supply = asset.supply()
    with pytest.raises(ComplianceError) as refused:
        action()
    assert_compliance_error(refused, code)
    assert asset.supply() == supply


def assert_transfer_refused(asset: RuledAsset, sender: Signer, to: Party, amount: int, code: Restriction) -> None:
    before = asset.balance(sender), asset.balance(to)
    assert not asset.can_transfer(sender, to, amount)
    assert_refused(asset, lambda: asset.transfer(sender, to, amount), asset.restriction(sender, to, amount), code)
    assert (asset.balance(sender), asset.balance(to)) == before


def assert_issue_refused(asset: RuledAsset, to: Party, amount: int, code: Restriction) -> None:
    before = asset.balance(to)
    assert_refused(asset, lambda: asset.issue(to, amount), asset.restriction(None, to, amount), code)
    assert asset.balance(to) == before


def assert_transfer_allowed(asset: RuledAsset, sender: Signer, to: Party, amount: int) -> None:
    before = asset.balance(sender), asset.balance(to)
    assert asset.restriction(sender, to, amount) == Restriction.SUCCESS
    assert asset.can_transfer(sender, to, amount)
    asset.transfer(sender, to, amount)
    assert (asset.balance(sender), asset.balance(to)) == (before[0] - amount, before[1] + amount)


def assert_issue_allowed(asset: RuledAsset, to: Party, amount: int) -> None:
    before = asset.balance(to)
    assert asset.restriction(None, to, amount) == Restriction.SUCCESS
    asset.issue(to, amount)
    assert asset.balance(to) == before + amount
