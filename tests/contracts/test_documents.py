"""ERC-1643 documents on an asset, through platform.controls and the raw contract."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractCustomError

from rwakit.contracts import decode_revert
from rwakit.errors import ContractRevert, InvalidInput
from rwakit.units import from_timestamp
from tests.contracts.rwa import RuledAsset

PROSPECTUS_HASH = "0x" + "a1" * 32
VALUATION_HASH = "0x" + "b2" * 32


def name32(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


def publish(ruled: RuledAsset, name: str, uri: str = "ipfs://doc", document_hash: str = PROSPECTUS_HASH) -> int:
    """Set a document; the timestamp of the block that set it."""
    receipt = ruled.platform.controls.set_document("KLP", name, uri, document_hash)
    return int(ruled.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"])


def test_an_asset_created_without_a_document_has_none(ruled: RuledAsset) -> None:
    assert ruled.platform.controls.documents("KLP") == []


def test_set_document_records_uri_hash_and_time(ruled: RuledAsset) -> None:
    at = publish(ruled, "prospectus", "ipfs://prospectus-v1", PROSPECTUS_HASH)
    (document,) = ruled.platform.controls.documents("KLP")
    assert (document.name, document.uri, document.document_hash) == (
        "prospectus",
        "ipfs://prospectus-v1",
        PROSPECTUS_HASH,
    )
    assert document.last_modified == from_timestamp(at)
    assert ruled.token.functions.getDocument(name32("prospectus")).call() == [
        "ipfs://prospectus-v1", bytes.fromhex(PROSPECTUS_HASH[2:]), at,
    ]  # fmt: skip


def test_set_document_emits_document_updated(ruled: RuledAsset) -> None:
    receipt = ruled.platform.controls.set_document("KLP", "prospectus", "ipfs://p", PROSPECTUS_HASH)
    assert ruled.events("DocumentUpdated", receipt) == [
        {"name": name32("prospectus"), "uri": "ipfs://p", "documentHash": bytes.fromhex(PROSPECTUS_HASH[2:])}
    ]


def test_documents_are_listed_in_the_order_they_were_set(ruled: RuledAsset) -> None:
    for name in ("prospectus", "valuation", "accounts"):
        publish(ruled, name)
    assert ruled.token.functions.getAllDocuments().call() == [
        name32(n) for n in ("prospectus", "valuation", "accounts")
    ]


def test_setting_a_document_again_replaces_it_without_listing_it_twice(ruled: RuledAsset) -> None:
    publish(ruled, "valuation", "ipfs://2026", VALUATION_HASH)
    at = publish(ruled, "valuation", "ipfs://2027", PROSPECTUS_HASH)
    (document,) = ruled.platform.controls.documents("KLP")
    assert (document.uri, document.document_hash, document.last_modified) == (
        "ipfs://2027", PROSPECTUS_HASH, from_timestamp(at),
    )  # fmt: skip


def test_remove_document_deletes_it_and_emits_document_removed(ruled: RuledAsset) -> None:
    publish(ruled, "valuation", "ipfs://v", VALUATION_HASH)
    receipt = ruled.platform.controls.remove_document("KLP", "valuation")
    assert ruled.platform.controls.documents("KLP") == []
    assert ruled.events("DocumentRemoved", receipt) == [
        {"name": name32("valuation"), "uri": "ipfs://v", "documentHash": bytes.fromhex(VALUATION_HASH[2:])}
    ]


def test_removing_one_document_keeps_the_others_readable_and_removable(ruled: RuledAsset) -> None:
    for name in ("prospectus", "valuation", "accounts"):
        publish(ruled, name, f"ipfs://{name}")
    ruled.platform.controls.remove_document("KLP", "prospectus")
    assert sorted(d.name for d in ruled.platform.controls.documents("KLP")) == ["accounts", "valuation"]
    assert ruled.token.functions.getDocument(name32("accounts")).call()[0] == "ipfs://accounts"
    ruled.platform.controls.remove_document("KLP", "accounts")
    ruled.platform.controls.remove_document("KLP", "valuation")
    assert ruled.platform.controls.documents("KLP") == []


def test_a_removed_document_can_be_set_again(ruled: RuledAsset) -> None:
    publish(ruled, "valuation")
    ruled.platform.controls.remove_document("KLP", "valuation")
    publish(ruled, "valuation", "ipfs://again")
    assert [(d.name, d.uri) for d in ruled.platform.controls.documents("KLP")] == [("valuation", "ipfs://again")]


def test_getting_an_unknown_document_reverts_with_unknown_document(ruled: RuledAsset) -> None:
    with pytest.raises(ContractCustomError) as refused:
        ruled.token.functions.getDocument(name32("missing")).call()
    decoded = decode_revert(refused.value.data)  # type: ignore[arg-type]
    assert decoded is not None and (decoded.name, decoded.args) == (
        "AssetUnknownDocument", {"name": "0x" + name32("missing").hex()},
    )  # fmt: skip


def test_removing_an_unknown_document_reverts_with_unknown_document(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.platform.controls.remove_document("KLP", "missing")
    assert (refused.value.error, refused.value.args_by_name) == (
        "AssetUnknownDocument", {"name": "0x" + name32("missing").hex()},
    )  # fmt: skip


@pytest.mark.parametrize("name", ["", "x" * 33], ids=["empty", "33-bytes"])
def test_the_service_refuses_a_document_name_that_is_not_1_to_32_bytes(ruled: RuledAsset, name: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        ruled.platform.controls.set_document("KLP", name, "ipfs://x", PROSPECTUS_HASH)
    assert invalid.value.code == "invalid_document_name"


def test_the_service_refuses_a_malformed_document_hash(ruled: RuledAsset) -> None:
    with pytest.raises(InvalidInput) as invalid:
        ruled.platform.controls.set_document("KLP", "prospectus", "ipfs://x", "0x1234")
    assert invalid.value.code == "invalid_bytes32"
