"""A property: under random issuance, transfers, controls, reorgs (evm_revert to a mark) and
crashes between batches (a node that stops answering mid catch-up), the index always ends equal
to the chain (verify) and to a rebuild from scratch (the content hash of every cap table)."""

from __future__ import annotations

import copy
from typing import Any, cast

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from sqlalchemy.engine import Engine
from web3 import Web3
from web3.providers.rpc import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

from rwakit.chain.node import LocalNode
from rwakit.chain.signer import Signer
from rwakit.errors import ChainError
from rwakit.indexer import store
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.projection import table
from rwakit.indexer.store import ALL_TABLES
from rwakit.indexer.verify import verify
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from tests.conftest import YEAR, now
from tests.indexer.conftest import cap_tables_hash, create_asset, rows

HOLDERS = 4


class DyingNode(HTTPProvider):
    """Anvil until `answers` eth_getLogs have been answered; then the connection is refused."""

    def __init__(self, url: str, answers: int) -> None:
        super().__init__(url)
        self.answers = answers

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_getLogs":
            if self.answers == 0:
                raise requests.ConnectionError("Connection refused")
            self.answers -= 1
        return super().make_request(method, params)


class IndexMachine(RuleBasedStateMachine):
    def __init__(self, platform: Platform, anvil: LocalNode, engine: Engine, wallets: list[Signer]) -> None:
        super().__init__()
        self.platform, self.anvil, self.engine = platform, anvil, engine
        self.provider = platform.chain.w3.provider
        self.snapshot = self._rpc("evm_snapshot")
        with engine.begin() as connection:
            for name in ALL_TABLES:
                connection.execute(table(name).delete())
        self.wallets = wallets
        expiry = now(platform.chain) + YEAR
        platform.registry.register_batch(
            [InvestorInput(f"P-{n}", [w.address], "HK", "professional", expiry) for n, w in enumerate(wallets)]
        )
        self.asset = create_asset(platform, "PROP")
        self.balances: dict[str, int] = {w.address: 0 for w in wallets}
        self.paused = False
        self.mark: tuple[str, dict[str, int], bool] | None = None

    def _rpc(self, method: str, *params: Any) -> Any:
        return self.provider.make_request(RPCEndpoint(method), list(params))["result"]

    def teardown(self) -> None:
        try:
            self._index(64)
            settled = cap_tables_hash(self.engine)
            store.drop(self.engine, self.platform.chain.chain_id)
            self._index(2000)
            assert cap_tables_hash(self.engine) == settled
            indexed = {r["wallet"]: r["amount"] for r in rows(self.engine, "index_balance", "wallet")}
            assert {w: a for w, a in self.balances.items() if a or w in indexed} == indexed
        finally:
            self._rpc("evm_revert", self.snapshot)
            self.platform.txm.reset_nonce()

    def _index(self, log_range: int) -> None:
        indexer = Indexer(self.platform.chain.w3, self.engine, self.platform.deployment, IndexerOptions(log_range))
        try:
            assert indexer.catch_up() == self.platform.chain.w3.eth.block_number
            assert verify(self.platform.chain.w3, self.engine, self.platform.deployment).differences == []
        finally:
            indexer.close()

    @rule(to=st.integers(0, HOLDERS - 1), amount=st.integers(1, 100))
    def issue(self, to: int, amount: int) -> None:
        self.platform.assets.issue(self.asset, self.wallets[to].address, amount)
        self.balances[self.wallets[to].address] += amount

    @precondition(lambda self: not self.paused)
    @rule(data=st.data(), sender=st.integers(0, HOLDERS - 1), to=st.integers(0, HOLDERS - 1))
    def transfer(self, data: st.DataObject, sender: int, to: int) -> None:
        source, target = self.wallets[sender], self.wallets[to].address
        if self.balances[source.address] == 0:
            return
        amount = data.draw(st.integers(1, self.balances[source.address]))
        self.platform.assets.transfer(self.asset, source, target, amount)
        self.balances[source.address] -= amount
        self.balances[target] += amount

    @rule(data=st.data(), sender=st.integers(0, HOLDERS - 1), to=st.integers(0, HOLDERS - 1))
    def forced_transfer(self, data: st.DataObject, sender: int, to: int) -> None:
        source, target = self.wallets[sender].address, self.wallets[to].address
        if self.balances[source] == 0 or source == target:
            return
        amount = data.draw(st.integers(1, self.balances[source]))
        self.platform.controls.forced_transfer(self.asset, source, target, amount, reason="order")
        self.balances[source] -= amount
        self.balances[target] += amount

    @rule()
    def toggle_pause(self) -> None:
        if self.paused:
            self.platform.controls.unpause(self.asset, reason="resume")
        else:
            self.platform.controls.pause(self.asset, reason="audit")
        self.paused = not self.paused

    @rule(log_range=st.integers(1, 8))
    def index(self, log_range: int) -> None:
        self._index(log_range)

    @rule(answers=st.integers(0, 6))
    def crash_between_batches(self, answers: int) -> None:
        w3 = Web3(DyingNode(self.anvil.url, answers))
        indexer = Indexer(w3, self.engine, self.platform.deployment, IndexerOptions(log_range=1))
        try:
            indexer.catch_up()
        except ChainError as exc:
            assert exc.code == "chain_unavailable"
        finally:
            indexer.close()

    @precondition(lambda self: self.mark is None)
    @rule()
    def mark_chain(self) -> None:
        self.mark = (self._rpc("evm_snapshot"), copy.copy(self.balances), self.paused)

    @precondition(lambda self: self.mark is not None)
    @rule()
    def reorg_to_mark(self) -> None:
        assert self.mark is not None
        snapshot, self.balances, self.paused = self.mark
        self.mark = None
        self._rpc("evm_revert", snapshot)
        self.platform.txm.reset_nonce()


def test_the_index_equals_the_chain_and_a_rebuild(
    platform: Platform, anvil: LocalNode, engine: Engine, signers: list[Signer]
) -> None:
    def machine() -> IndexMachine:
        return IndexMachine(platform, anvil, engine, signers[1 : 1 + HOLDERS])

    run_state_machine_as_test(
        cast("type[RuleBasedStateMachine]", machine),
        settings=settings(
            max_examples=8, stateful_step_count=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
