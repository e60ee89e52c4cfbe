"""The money leg's cast: a property with two holders, the test coin funding the buyers, DvP and the
income distributor of the platform's deployment, and raw senders for what the services do not reach."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.conftest import investor

SHARE = 10**2  # the asset's 2 decimals
HKD = 10**6  # the test coin's 6 decimals
ALICE_HOLDS = 1_000 * SHARE
BOB_HOLDS = 500 * SHARE
CASH = 1_000_000 * HKD


@dataclass(frozen=True)
class Money:
    """`alice` (HK, professional) holds ALICE_HOLDS, `bob` (SG, professional) BOB_HOLDS, `carol` (GB,
    institutional) nothing; each holds CASH of the test coin. `outsider` is funded but unregistered."""

    platform: Platform
    chain: Chain
    token: Contract
    coin: Contract
    dvp: Contract
    distributor: Contract
    issuer: Signer
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


@pytest.fixture(scope="module")
def money(platform: Platform, chain: Chain) -> Iterator[Money]:
    """Built inside its own snapshot; every test's snapshot then reverts to it."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    s = chain.signers
    platform.registry.register_batch([
        investor(chain, "ALICE", s[1], country="HK"),
        investor(chain, "BOB", s[2], country="SG"),
        investor(chain, "CAROL", s[3], country="GB", investor_class="institutional"),
    ])  # fmt: skip
    spec = AssetSpec("Harbour View Tower", "HVT", 2, "property", "1000000")
    token = platform.assets.token(platform.assets.create(spec).address)
    platform.assets.issue_batch("HVT", [(s[1].address, ALICE_HOLDS), (s[2].address, BOB_HOLDS)])
    d = platform.deployment
    assert d.settlement_token and d.dvp and d.distributor
    coin = load_artifact("TestStablecoin").at(chain.w3, d.settlement_token)
    dvp = load_artifact("DeliveryVersusPayment").at(chain.w3, d.dvp)
    distributor = load_artifact("IncomeDistributor").at(chain.w3, d.distributor)
    m = Money(platform, chain, token, coin, dvp, distributor, chain.operator, s[1], s[2], s[3], s[9])
    for who in (m.issuer, m.alice, m.bob, m.carol, m.outsider):
        m.send(m.issuer, coin.functions.mint(who.address, CASH))
    yield m
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()
