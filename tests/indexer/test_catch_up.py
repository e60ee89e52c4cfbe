"""Catch-up: issuance, transfers, the registry and every control indexed as the chain has them."""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine

from rwakit.chain.signer import Signer
from rwakit.indexer.follower import Indexer
from rwakit.platform import Platform
from tests.indexer.conftest import create_asset, register, rows


def _settings(engine: Engine, contract: str) -> dict[tuple[str, str], object]:
    return {(r["name"], r["key"]): json.loads(r["value"]) for r in rows(engine, "index_setting", "name", "key")
            if r["contract"] == contract}  # fmt: skip


def test_issuance_transfers_and_investors(platform: Platform, signers: list[Signer], indexer: Indexer,
                                          engine: Engine) -> None:  # fmt: skip
    alice, bob = signers[1], signers[2]
    register(platform, "HK-0001", alice.address)
    register(platform, "HK-0002", bob.address, country="SG")
    asset = create_asset(platform)
    platform.assets.issue_batch(asset, [(alice.address, 1000), (bob.address, 500)])
    platform.assets.transfer(asset, alice, bob.address, 250)

    block = indexer.catch_up()

    assert block == platform.chain.w3.eth.block_number == indexer.indexed_block()
    balances = {r["wallet"]: r["amount"] for r in rows(engine, "index_balance", "wallet") if r["asset"] == asset}
    assert balances == {alice.address: 750, bob.address: 750}
    transfers = rows(engine, "index_transfer", "block_number", "log_index")
    assert [(t["sender"][-4:], t["receiver"], t["amount"], t["forced"]) for t in transfers] == [
        ("0000", alice.address, 1000, False),
        ("0000", bob.address, 500, False),
        (alice.address[-4:], bob.address, 250, False),
    ]
    history = [r["amount"] for r in rows(engine, "index_balance_history", "block_number", "log_index")
               if r["wallet"] == alice.address]  # fmt: skip
    assert history == [1000, 750]
    investors = {r["investor_id"]: (r["country"], r["revoked"]) for r in rows(engine, "index_investor", "investor_id")}
    assert investors == {"HK-0001": (344, False), "HK-0002": (702, False)}
    wallets = {r["wallet"]: r["investor_id"] for r in rows(engine, "index_wallet", "wallet")}
    assert wallets == {alice.address: "HK-0001", bob.address: "HK-0002"}
    contracts = {r["kind"]: r for r in rows(engine, "index_contract", "address")}
    assert contracts["asset"]["symbol"] == "HVT" and contracts["asset"]["decimals"] == 2
    assert contracts["registry"]["address"] == platform.deployment.registry
    settings = _settings(engine, asset)
    assert settings[("shares_authorised", "")] == "100000000"
    assert settings[("paused", "")] is False
    assert settings[("asset", "investor_limits")] is True
    document = settings[("document", "0x" + b"offering".hex().ljust(64, "0"))]
    assert document == {"uri": "https://x.example/o.pdf", "hash": "0x" + "ab" * 32}
    assert indexer.catch_up() == block  # nothing new: nothing written
    assert len(rows(engine, "index_transfer", "log_index")) == 3
