"""Catch-up: issuance, transfers, the registry and every control indexed as the chain has them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine
from web3 import Web3

from rwakit.chain.signer import Signer
from rwakit.errors import RwakitError
from rwakit.indexer.follower import Indexer
from rwakit.indexer.verify import verify
from rwakit.platform import Platform
from rwakit.tokenize.models import AssetSpec
from tests.conftest import YEAR, now
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


def test_controls_rules_documents_roles_and_registry_changes(
    platform: Platform, signers: list[Signer], indexer: Indexer, engine: Engine
) -> None:
    alice, bob, carol, spare = signers[1], signers[2], signers[3], signers[4]
    register(platform, "HK-0001", alice.address)
    register(platform, "HK-0002", bob.address)
    register(platform, "HK-0003", carol.address)
    asset = create_asset(platform)
    platform.assets.issue_batch(asset, [(alice.address, 1000), (bob.address, 1000)])
    controls, compliance, registry = platform.controls, platform.compliance, platform.registry
    indexer.catch_up()  # a first batch; the rest builds on its rows
    controls.freeze_wallet(asset, carol.address, reason="court order")
    controls.freeze_tokens(asset, alice.address, 300, reason="dispute")
    controls.forced_transfer(asset, alice.address, carol.address, 900, reason="court order")  # releases 200 frozen
    controls.pause(asset, reason="audit")
    controls.unpause(asset, reason="done")
    compliance.allow_countries(asset, ["HK", "SG"])
    compliance.allow_countries(asset, ["SG"], allowed=False)
    compliance.enable_allow_list(asset)
    compliance.block_countries(asset, ["US"])
    compliance.allow_classes(asset, ["professional", "institutional"])
    compliance.set_lockup(asset, 2_000_000_000)
    compliance.set_minimum_lot(asset, 5)
    compliance.set_max_holders(asset, 40)
    compliance.set_max_balance(asset, "5000.5")
    controls.set_document(asset, "prospectus", "https://x.example/p.pdf", "0x" + "cd" * 32)
    controls.remove_document(asset, "offering")
    registry.update("HK-0002", country="SG")
    registry.revoke("HK-0003")
    registry.reinstate("HK-0003")
    registry.add_wallet("HK-0002", spare.address)
    registry.remove_wallet(bob.address, investor_id="HK-0002")
    controls.recover_wallet(asset, bob.address, spare.address, "HK-0002", reason="lost key")

    indexer.catch_up()

    settings = _settings(engine, asset)
    assert settings[("frozen", carol.address)] is True
    assert settings[("frozen_tokens", alice.address)] == "100"
    assert settings[("paused", "")] is False
    assert settings[("country_allowed", "344")] is True and settings[("country_allowed", "702")] is False
    assert settings[("country_blocked", "840")] is True
    assert settings[("rule", "allowListEnabled")] is True
    assert settings[("rule", "allowedClasses")] == 0b110
    assert settings[("rule", "lockupUntil")] == 2_000_000_000
    assert settings[("rule", "minimumLot")] == "5"
    assert settings[("rule", "maxHolders")] == 40
    assert settings[("rule", "maxBalance")] == "500050"
    assert settings[("document", "0x" + b"prospectus".hex().ljust(64, "0"))]["uri"] == "https://x.example/p.pdf"  # type: ignore[index]
    assert settings[("document", "0x" + b"offering".hex().ljust(64, "0"))] is None
    issuer_role = "0x" + platform.assets.token(asset).functions.ISSUER_ROLE().call().hex()
    assert settings[("role", f"{issuer_role}:{platform.chain.operator.address}")] is True
    transfers = rows(engine, "index_transfer", "block_number", "log_index")
    assert [(t["amount"], t["forced"]) for t in transfers[2:]] == [(900, True), (1000, True)]  # forced, recovery
    balances = {r["wallet"]: r["amount"] for r in rows(engine, "index_balance", "wallet")}
    assert balances == {alice.address: 100, bob.address: 0, carol.address: 900, spare.address: 1000}
    investors = {r["investor_id"]: (r["country"], r["revoked"]) for r in rows(engine, "index_investor", "investor_id")}
    assert investors == {"HK-0001": (344, False), "HK-0002": (702, False), "HK-0003": (344, False)}
    wallets = {r["wallet"]: (r["investor_id"], r["active"]) for r in rows(engine, "index_wallet", "wallet")}
    assert wallets[bob.address] == ("HK-0002", False) and wallets[spare.address] == ("HK-0002", True)
    revocations = [r["revoked"] for r in rows(engine, "index_investor_history", "block_number", "log_index")
                   if r["investor_id"] == "HK-0003"]  # fmt: skip
    assert revocations == [False, True, False]
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []


def test_verify_behind_a_pruning_node_says_to_index_first(platform: Platform, indexer: Indexer, engine: Engine) -> None:
    indexer.catch_up()
    platform.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    with pytest.raises(RwakitError) as behind:  # the session's Anvil keeps the latest state only
        verify(platform.chain.w3, engine, platform.deployment)
    assert behind.value.code == "index_behind" and "rwakit index" in behind.value.message
    indexer.catch_up()
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []


def test_an_investor_id_written_past_rwakit_as_a_hash_is_indexed_as_hex(
    platform: Platform, signers: list[Signer], indexer: Indexer, engine: Engine
) -> None:
    raw = Web3.keccak(text="investor:alice")  # another client's id: a hash, not ASCII
    record = (raw, [signers[5].address], 344, 1, now(platform.chain) + YEAR)
    call = platform.registry.contract.functions.registerInvestor(record)
    platform.txm.transact(platform.chain.operator, call, label="register a hashed id")
    asset = create_asset(platform)
    platform.assets.issue(asset, signers[5].address, 3)

    indexer.catch_up()

    assert [r["investor_id"] for r in rows(engine, "index_investor", "investor_id")] == [raw.to_0x_hex()]
    assert [r["investor_id"] for r in rows(engine, "index_wallet", "wallet")] == [raw.to_0x_hex()]
    assert verify(platform.chain.w3, engine, platform.deployment).differences == []


def test_a_very_long_name_and_document_uri_are_cut_not_refused(
    platform: Platform, indexer: Indexer, engine: Engine
) -> None:
    spec = AssetSpec("N" * 5000, "LONG", 0, "fund", "10", "ipfs://" + "u" * 10_000, "0x" + "ab" * 32)
    asset = platform.assets.create(spec).address

    indexer.catch_up()

    assert [c["name"] for c in rows(engine, "index_contract", "address") if c["kind"] == "asset"] == ["N" * 200]
    document = _settings(engine, asset)[("document", "0x" + b"offering".hex().ljust(64, "0"))]
    assert document == {"uri": ("ipfs://" + "u" * 10_000)[:3800], "hash": "0x" + "ab" * 32, "truncated": True}
