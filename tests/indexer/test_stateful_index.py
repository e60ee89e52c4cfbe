"""A property: under random issuance and transfers in two assets, controls (forced transfers, pauses,
wallet and share freezes, recoveries of removed wallets), registry changes (wallets added and removed,
investors revoked and reinstated), reorgs (evm_revert to a mark) and crashes between batches (a node
that stops answering mid catch-up), the index always ends equal to the chain (verify, and every
wallet's freezes) and to a rebuild from scratch: the same current rows, the same history, and the
same cap table of each asset as of every block.

A step the chain refuses (a compliance rule, a frozen wallet, a revoked investor) sends nothing and
changes nothing in the model: the property is about the index, not the rules."""

from __future__ import annotations

import copy
from collections.abc import Callable
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
from rwakit.errors import ChainError, RwakitError
from rwakit.indexer import queries, record_queries, store
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.projection import table
from rwakit.indexer.store import ALL_TABLES
from rwakit.indexer.verify import verify
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from tests.conftest import YEAR, now
from tests.indexer.conftest import cap_tables_hash, create_asset, rows

INVESTORS = 4  # P-0..P-3, one wallet each at first
HOLDERS = 6  # their wallets and two spare ones the registry may add to an investor
HISTORY = ("index_balance_history", "index_investor_history", "index_wallet_history", "index_setting_history",
           "index_transfer")  # fmt: skip


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
        first = enumerate(wallets[:INVESTORS])
        platform.registry.register_batch(
            [InvestorInput(f"P-{n}", [w.address], "HK", "professional", expiry) for n, w in first]
        )
        self.assets = [create_asset(platform, "PROP"), create_asset(platform, "PRO2", limits=False)]
        self.balances: dict[tuple[int, str], int] = {(a, w.address): 0 for a in range(2) for w in wallets}
        self.owner: dict[str, int | None] = {w.address: n if n < INVESTORS else None for n, w in enumerate(wallets)}
        self.former: dict[str, int] = {}  # a removed wallet's investor, whose shares a recovery may move
        self.paused = False
        self.mark: tuple[str, dict[tuple[int, str], int], dict[str, int | None], dict[str, int], bool] | None = None

    def _rpc(self, method: str, *params: Any) -> Any:
        return self.provider.make_request(RPCEndpoint(method), list(params))["result"]

    def _sent(self, send: Callable[[], object]) -> bool:
        """Send one step; False if the chain refused it (nothing was sent)."""
        try:
            send()
        except RwakitError as exc:
            assert exc.code not in ("chain_unavailable", "tx_failed"), exc
            return False
        return True

    def teardown(self) -> None:
        try:
            self._index(64)
            live = self._everything()
            store.drop(self.engine, self.platform.chain.chain_id)
            self._index(2000)
            rebuilt = self._everything()
            for part in live:
                assert live[part] == rebuilt[part], part
            self._freezes_match_the_chain()
            indexed = {(r["asset"], r["wallet"]): r["amount"] for r in rows(self.engine, "index_balance", "wallet")}
            modelled = {(self.assets[a], w): amount for (a, w), amount in self.balances.items()}
            assert {k: a for k, a in modelled.items() if a or k in indexed} == indexed
        finally:
            self._rpc("evm_revert", self.snapshot)
            self.platform.txm.reset_nonce()

    def _freezes_match_the_chain(self) -> None:
        """Each wallet's frozen flag and frozen shares in each asset, index against chain (verify reads
        balances and records, not freezes)."""
        chain_id = self.platform.chain.chain_id
        with queries.snapshot(self.engine) as connection:
            for address in self.assets:
                found = queries.asset(connection, chain_id, address)
                when = queries.as_of(connection, chain_id)
                token = self.platform.assets.token(address).functions
                for signer in self.wallets:
                    state = record_queries.wallet(connection, chain_id, found, signer.address, when)
                    chain = (token.isFrozen(signer.address).call(), token.getFrozenTokens(signer.address).call())
                    assert (state.frozen, state.frozen_amount) == chain, (address, signer.address)

    def _everything(self) -> dict[str, Any]:
        """The current rows (their hash), every history row, and each asset's cap table as of every block."""
        chain_id = self.platform.chain.chain_id
        found: dict[str, Any] = {"current": cap_tables_hash(self.engine)}
        for name in HISTORY:
            found[name] = [{k: v for k, v in r.items()} for r in rows(self.engine, name, *_keys(name))]
        with queries.snapshot(self.engine) as connection:
            head = queries.as_of(connection, chain_id).block_number
            assets = [queries.asset(connection, chain_id, a) for a in self.assets]
            for block in range(self.platform.deployment.block_number, head + 1):
                when = queries.as_of(connection, chain_id, block=block)
                for asset in assets:
                    table_at = queries.cap_table_at(connection, chain_id, asset, when)
                    found[f"{asset.symbol}@{block}"] = (
                        table_at.total_supply, [(e.investor_id, e.amount, e.wallets) for e in table_at.entries]
                    )  # fmt: skip
        return found

    def _index(self, log_range: int) -> None:
        indexer = Indexer(self.platform.chain.w3, self.engine, self.platform.deployment, IndexerOptions(log_range))
        try:
            assert indexer.catch_up() == self.platform.chain.w3.eth.block_number
            assert verify(self.platform.chain.w3, self.engine, self.platform.deployment).differences == []
        finally:
            indexer.close()

    @rule(asset=st.integers(0, 1), to=st.integers(0, HOLDERS - 1), amount=st.integers(1, 100))
    def issue(self, asset: int, to: int, amount: int) -> None:
        target = self.wallets[to].address
        if self._sent(lambda: self.platform.assets.issue(self.assets[asset], target, amount)):
            self.balances[(asset, target)] += amount

    @precondition(lambda self: not self.paused)
    @rule(data=st.data(), asset=st.integers(0, 1), sender=st.integers(0, HOLDERS - 1), to=st.integers(0, HOLDERS - 1))
    def transfer(self, data: st.DataObject, asset: int, sender: int, to: int) -> None:
        source, target = self.wallets[sender], self.wallets[to].address
        if self.balances[(asset, source.address)] == 0:
            return
        amount = data.draw(st.integers(1, self.balances[(asset, source.address)]))
        if self._sent(lambda: self.platform.assets.transfer(self.assets[asset], source, target, amount)):
            self.balances[(asset, source.address)] -= amount
            self.balances[(asset, target)] += amount

    @rule(data=st.data(), asset=st.integers(0, 1), sender=st.integers(0, HOLDERS - 1), to=st.integers(0, HOLDERS - 1))
    def forced_transfer(self, data: st.DataObject, asset: int, sender: int, to: int) -> None:
        source, target = self.wallets[sender].address, self.wallets[to].address
        if self.balances[(asset, source)] == 0 or source == target:
            return
        amount = data.draw(st.integers(1, self.balances[(asset, source)]))
        controls = self.platform.controls
        if self._sent(lambda: controls.forced_transfer(self.assets[asset], source, target, amount, reason="order")):
            self.balances[(asset, source)] -= amount
            self.balances[(asset, target)] += amount

    @rule()
    def toggle_pause(self) -> None:
        if self.paused:
            self.platform.controls.unpause(self.assets[0], reason="resume")
        else:
            self.platform.controls.pause(self.assets[0], reason="audit")
        self.paused = not self.paused

    @rule(asset=st.integers(0, 1), wallet=st.integers(0, HOLDERS - 1), frozen=st.booleans())
    def freeze_wallet(self, asset: int, wallet: int, frozen: bool) -> None:
        address = self.wallets[wallet].address
        controls = self.platform.controls
        self._sent(lambda: controls.freeze_wallet(self.assets[asset], address, reason="kyc", frozen=frozen))

    @rule(asset=st.integers(0, 1), wallet=st.integers(0, HOLDERS - 1), amount=st.integers(0, 60))
    def set_frozen_shares(self, asset: int, wallet: int, amount: int) -> None:
        address = self.wallets[wallet].address
        controls = self.platform.controls
        self._sent(lambda: controls.set_frozen_tokens(self.assets[asset], address, amount, reason="dispute"))

    @rule(investor=st.integers(0, INVESTORS - 1), wallet=st.integers(0, HOLDERS - 1))
    def add_wallet(self, investor: int, wallet: int) -> None:
        address = self.wallets[wallet].address
        registry = self.platform.registry
        if self.owner[address] is None and self._sent(lambda: registry.add_wallet(f"P-{investor}", address)):
            self.owner[address] = investor

    @rule(wallet=st.integers(0, HOLDERS - 1))
    def remove_wallet(self, wallet: int) -> None:
        address = self.wallets[wallet].address
        investor = self.owner[address]
        if investor is None:
            return
        if self._sent(lambda: self.platform.registry.remove_wallet(address, investor_id=f"P-{investor}")):
            self.owner[address] = None
            self.former[address] = investor

    @rule(data=st.data(), asset=st.integers(0, 1))
    def recover(self, data: st.DataObject, asset: int) -> None:
        """A removed wallet's shares (and freezes) to another wallet of the investor it belonged to."""
        lost = [w for w, n in self.former.items() if self.owner[w] is None and self.balances[(asset, w)]]
        if not lost:
            return
        source = data.draw(st.sampled_from(sorted(lost)))
        investor = self.former[source]
        targets = sorted(w for w, n in self.owner.items() if n == investor)
        if not targets:
            return
        target = data.draw(st.sampled_from(targets))
        controls = self.platform.controls
        if self._sent(lambda: controls.recover_wallet(self.assets[asset], source, target, f"P-{investor}",
                                                      reason="lost")):  # fmt: skip
            self.balances[(asset, target)] += self.balances[(asset, source)]
            self.balances[(asset, source)] = 0

    @rule(investor=st.integers(0, INVESTORS - 1), revoked=st.booleans())
    def revoke(self, investor: int, revoked: bool) -> None:
        registry = self.platform.registry
        self._sent(lambda: registry.revoke(f"P-{investor}") if revoked else registry.reinstate(f"P-{investor}"))

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
        self.mark = (self._rpc("evm_snapshot"), copy.copy(self.balances), copy.copy(self.owner), copy.copy(self.former),
                     self.paused)  # fmt: skip

    @precondition(lambda self: self.mark is not None)
    @rule()
    def reorg_to_mark(self) -> None:
        assert self.mark is not None
        snapshot, self.balances, self.owner, self.former, self.paused = self.mark
        self.mark = None
        self._rpc("evm_revert", snapshot)
        self.platform.txm.reset_nonce()


def _keys(name: str) -> list[str]:
    return [c.name for c in table(name).primary_key.columns]


def test_the_index_equals_the_chain_and_a_rebuild(
    platform: Platform, anvil: LocalNode, engine: Engine, signers: list[Signer]
) -> None:
    def machine() -> IndexMachine:
        return IndexMachine(platform, anvil, engine, signers[1 : 1 + HOLDERS])

    run_state_machine_as_test(
        cast("type[RuleBasedStateMachine]", machine),
        settings=settings(
            max_examples=12, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
