"""Cap tables kept across blocks (rwakit/api/cap_tables.py): under random issuance, transfers,
redemptions, wallets added and removed, empty blocks and reorgs, the kept table read after each step
is byte for byte the one built from every balance; a block that touches neither the asset nor the
registry's wallets reuses it, and one with only transfers patches it."""

from __future__ import annotations

import copy
from typing import Any, cast

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy.engine import Engine
from web3.types import RPCEndpoint

from rwakit.api.cap_tables import CapTables, from_table
from rwakit.chain.signer import Signer
from rwakit.indexer import queries
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.projection import table
from rwakit.indexer.store import ALL_TABLES
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from tests.conftest import YEAR, now
from tests.indexer.conftest import create_asset

INVESTORS = 3  # each with one wallet at first; the spare wallets are added and removed


class KeptMachine(RuleBasedStateMachine):
    def __init__(self, platform: Platform, engine: Engine, wallets: list[Signer]) -> None:
        super().__init__()
        self.platform, self.engine = platform, engine
        self.provider = platform.chain.w3.provider
        self.snapshot = self._rpc("evm_snapshot")
        with engine.begin() as connection:
            for name in ALL_TABLES:
                connection.execute(table(name).delete())
        self.wallets: list[str] = [w.address for w in wallets]
        self.owner: dict[str, str | None] = {w: None for w in self.wallets}  # a wallet's investor now
        expiry = now(platform.chain) + YEAR
        platform.registry.register_batch(
            [InvestorInput(f"K-{n}", [self.wallets[n]], "HK", "professional", expiry) for n in range(INVESTORS)]
        )
        for n in range(INVESTORS):
            self.owner[self.wallets[n]] = f"K-{n}"
        self.asset = create_asset(platform, "KEPT")
        self.balances: dict[str, int] = dict.fromkeys(self.wallets, 0)
        self.mark: tuple[str, dict[str, int], dict[str, str | None]] | None = None
        self.indexer = Indexer(platform.chain.w3, engine, platform.deployment, IndexerOptions(log_range=2000))
        self.kept = CapTables()
        self.expect: str | None = None  # "reuse" or "patch": what the next read must do

    def _rpc(self, method: str, *params: Any) -> Any:
        return self.provider.make_request(RPCEndpoint(method), list(params))["result"]

    def teardown(self) -> None:
        self.indexer.close()
        self._rpc("evm_revert", self.snapshot)
        self.platform.txm.reset_nonce()

    @invariant()
    def kept_equals_built(self) -> None:
        self.indexer.catch_up()
        builds = self.kept.builds
        with queries.snapshot(self.engine) as connection:
            chain_id = self.platform.chain.chain_id
            found = queries.asset(connection, chain_id, self.asset)
            when = queries.as_of(connection, chain_id)
            kept = self.kept.at_head(connection, chain_id, found, when)
            built = from_table(queries.cap_table_at(connection, chain_id, found, when), kept.version)
        assert (kept.entries, kept.holders, kept.total_supply) == (built.entries, built.holders, built.total_supply)
        assert kept.total_supply == sum(self.balances.values())
        if self.expect is not None:  # neither reuse nor patch builds from every balance
            assert self.kept.builds == builds, self.expect
        self.expect = None

    def _registered(self) -> list[str]:
        return [w for w, investor in self.owner.items() if investor is not None]

    @rule(data=st.data(), amount=st.integers(1, 10**6))
    def issue(self, data: st.DataObject, amount: int) -> None:
        wallet = data.draw(st.sampled_from(self._registered()))
        self.platform.assets.issue(self.asset, wallet, amount)
        self.balances[wallet] += amount
        self.expect = "patch"

    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        holders = [w for w in self._registered() if self.balances[w]]
        if not holders:
            return
        source = data.draw(st.sampled_from(holders))
        target = data.draw(st.sampled_from([w for w in self._registered() if w != source]))
        amount = data.draw(st.integers(1, self.balances[source]))
        self.platform.controls.forced_transfer(self.asset, source, target, amount, reason="order")
        self.balances[source] -= amount
        self.balances[target] += amount
        self.expect = "patch"

    @rule(data=st.data())
    def redeem(self, data: st.DataObject) -> None:
        holders = [w for w in self._registered() if self.balances[w]]
        if not holders:
            return
        wallet = data.draw(st.sampled_from(holders))
        amount = data.draw(st.integers(1, self.balances[wallet]))
        self.platform.controls.redeem(self.asset, wallet, amount, reason="redemption")
        self.balances[wallet] -= amount
        self.expect = "patch"

    @rule(data=st.data())
    def add_wallet(self, data: st.DataObject) -> None:
        # a wallet still holding a former investor's shares is refused shares by the asset until they are
        # recovered (AssetWalletReassigned): only empty spare wallets are added
        spare = [w for w, investor in self.owner.items() if investor is None and not self.balances[w]]
        if not spare:
            return
        wallet = data.draw(st.sampled_from(spare))
        investor = f"K-{data.draw(st.integers(0, INVESTORS - 1))}"
        self.platform.registry.add_wallet(investor, wallet)
        self.owner[wallet] = investor

    @rule(data=st.data())
    def remove_wallet(self, data: st.DataObject) -> None:
        extra = [w for w in self._registered() if w not in self.wallets[:INVESTORS]]
        if not extra:
            return
        wallet = data.draw(st.sampled_from(extra))
        self.platform.registry.remove_wallet(wallet)  # its shares stay, under no investor
        self.owner[wallet] = None

    @rule()
    def empty_block(self) -> None:
        self._rpc("evm_mine")
        self.expect = "reuse"

    @precondition(lambda self: self.mark is None)
    @rule()
    def mark_chain(self) -> None:
        self.mark = (self._rpc("evm_snapshot"), copy.copy(self.balances), copy.copy(self.owner))

    @precondition(lambda self: self.mark is not None)
    @rule()
    def reorg_to_mark(self) -> None:
        assert self.mark is not None
        snapshot, self.balances, self.owner = self.mark
        self.mark = None
        self._rpc("evm_revert", snapshot)
        self.platform.txm.reset_nonce()


def test_a_kept_cap_table_is_the_one_built_from_every_balance(
    platform: Platform, engine: Engine, signers: list[Signer]
) -> None:
    def machine() -> KeptMachine:
        return KeptMachine(platform, engine, signers[1 : 1 + INVESTORS + 2])

    run_state_machine_as_test(
        cast("type[RuleBasedStateMachine]", machine),
        settings=settings(
            max_examples=10, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
