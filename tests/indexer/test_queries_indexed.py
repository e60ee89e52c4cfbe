"""The index's reads over what the indexer wrote from a real Anvil (SQLite and PostgreSQL): the cap
table equals the chain replay's (platform.assets.cap_table, the reference), as of a block before and
after a transfer, holder counts through moves between one investor's wallets, and the block a read
reflects after a reorg that dropped an issuance."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from rwakit.chain.signer import Signer
from rwakit.indexer import queries
from rwakit.indexer.follower import Indexer
from rwakit.platform import Platform
from tests.indexer.conftest import create_asset, register


def _entries(table: Any) -> list[tuple[str | None, int, dict[str, int]]]:
    return [(e.investor_id, e.amount, dict(e.wallets)) for e in table.entries]


def test_cap_tables_as_of_blocks_match_the_chain_replay(
    platform: Platform, signers: list[Signer], indexer: Indexer, engine: Engine
) -> None:
    alice, alice2, bob = signers[1], signers[2], signers[3]
    chain_id = platform.deployment.chain_id
    register(platform, "HK-0001", alice.address, alice2.address)
    register(platform, "SG-0001", bob.address, country="SG")
    asset = create_asset(platform)
    issued = platform.assets.issue_batch(asset, [(alice.address, 1000), (bob.address, 500)])["blockNumber"]
    inside = platform.assets.transfer(asset, alice, alice2.address, 300)["blockNumber"]  # one investor's wallets
    sold = platform.assets.transfer(asset, bob, alice.address, 500)["blockNumber"]  # SG-0001 sells out
    indexer.catch_up()

    replay = platform.assets.cap_table(asset)
    with queries.snapshot(engine) as connection:
        now = queries.cap_table(connection, chain_id, "HVT")
        assert _entries(now) == [(e.investor_id, e.amount, e.wallets) for e in replay.entries]
        assert now.as_of.block_number == replay.block_number and now.total_supply == 1500 and now.holders == 1
        at_issue = queries.cap_table(connection, chain_id, asset, block=issued)
        assert _entries(at_issue) == [("HK-0001", 1000, {alice.address: 1000}), ("SG-0001", 500, {bob.address: 500})]
        at_inside = queries.cap_table(connection, chain_id, asset, block=inside)
        assert at_inside.holders == 2 and at_inside.entries[0].wallets == {alice.address: 700, alice2.address: 300}
        assert [queries.holder_count(connection, chain_id, asset, b) for b in (issued - 1, issued, inside, sold)] == [
            0,
            2,
            2,
            1,
        ]
        assert queries.holder_count(connection, chain_id, asset) == 1
        held = queries.holdings(connection, chain_id, "HK-0001", inside)
        assert [(h.asset.address, h.amount) for h in held] == [(asset, 1000)]
        moves = queries.transfers(connection, chain_id, [bob.address], to_block=sold)
        assert [m.kind({bob.address}) for m in moves] == ["issue", "out"]
        settings = queries.settings(connection, chain_id, asset)
        assert settings["paused"] == {"": False} and settings["shares_authorised"] == {"": "100000000"}


def test_as_of_block_after_a_reorg_that_dropped_an_issuance(
    platform: Platform, signers: list[Signer], indexer: Indexer, engine: Engine
) -> None:
    alice, bob = signers[1], signers[2]
    chain_id = platform.deployment.chain_id
    w3 = platform.chain.w3
    register(platform, "HK-0001", alice.address)
    register(platform, "SG-0001", bob.address, country="SG")
    asset = create_asset(platform)
    platform.assets.issue(asset, alice.address, 1000)
    mark = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    dropped = platform.assets.issue(asset, bob.address, 500)["blockNumber"]
    indexer.catch_up()
    with queries.snapshot(engine) as connection:
        assert queries.cap_table(connection, chain_id, asset).holders == 2
    w3.provider.make_request("evm_revert", [mark])  # type: ignore[arg-type]
    platform.txm.reset_nonce()
    replacing = platform.assets.issue(asset, alice.address, 1)["blockNumber"]
    assert replacing == dropped
    indexer.catch_up()
    with queries.snapshot(engine) as connection:
        table = queries.cap_table(connection, chain_id, asset, block=dropped)
        assert _entries(table) == [("HK-0001", 1001, {alice.address: 1001})]
        assert table.as_of.block_hash == w3.eth.get_block(dropped)["hash"].to_0x_hex()
        assert queries.transfers(connection, chain_id, [bob.address], to_block=replacing) == []
