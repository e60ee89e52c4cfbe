"""Decoding raw logs by hand, and the projection's refusals of events that cannot follow the index."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from sqlalchemy.engine import Engine

from rwakit.indexer.events import Event, UnknownEvent, decode_log, investor_id, topic_filter, topics
from rwakit.indexer.logs import Header
from rwakit.indexer.projection import IndexInconsistent, Projection
from rwakit.indexer.store import Batch, Cursor, CursorMoved, write_batch

ASSET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _topic(name: str) -> str:
    return next(t for t, n in topics().items() if n == name)


def _log(name: str, *topics_: str, data: str = "0x") -> dict[str, object]:
    return {"address": ASSET.lower(), "topics": [_topic(name), *topics_], "data": data, "blockNumber": "0x10",
            "blockHash": "0x" + "11" * 32, "transactionHash": "0x" + "22" * 32, "logIndex": "0x3"}  # fmt: skip


def _word(value: int) -> str:
    return f"{value:064x}"


def test_a_transfer_of_the_largest_uint256_decodes_exactly() -> None:
    event = decode_log(_log("Transfer", "0x" + "00" * 32, "0x" + "00" * 12 + WALLET[2:].lower(),
                            data="0x" + _word(2**256 - 1)))  # fmt: skip
    assert event.name == "Transfer" and event.contract == ASSET
    assert event.args == ("0x0000000000000000000000000000000000000000", WALLET, 2**256 - 1)
    assert (event.block_number, event.log_index) == (16, 3)


def test_strings_and_investor_ids_decode() -> None:
    data = "0x" + encode(["string", "bytes32"], ["ipfs://ü", b"\x07" * 32]).hex()
    name = "0x" + b"offering".hex().ljust(64, "0")
    assert decode_log(_log("DocumentUpdated", name, data=data)).args == (name, "ipfs://ü", "0x" + "07" * 32)
    registered = _log("InvestorRegistered", "0x" + b"HK-0001".hex().ljust(64, "0"), "0x" + _word(7),
                      data="0x" + _word(344) + _word(1) + _word(2_000_000_000))  # fmt: skip
    assert decode_log(registered).args == ("HK-0001", 7, 344, 1, 2_000_000_000)


def test_an_investor_id_in_other_bytes_is_kept_as_hex() -> None:
    raw = "0x" + "ff" * 32
    assert investor_id(raw) == raw
    assert investor_id("0x" + "00" * 32) == "0x" + "00" * 32  # the reserved id zero, never empty
    assert investor_id("0x" + b"a\nb".hex().ljust(64, "0")) == "0x" + b"a\nb".hex().ljust(64, "0")


def test_an_unknown_or_missing_topic_is_refused() -> None:
    unknown = {**_log("Transfer"), "topics": ["0x" + "ab" * 32]}
    with pytest.raises(UnknownEvent):
        decode_log(unknown)
    with pytest.raises(UnknownEvent):
        decode_log({**_log("Transfer"), "topics": []})


def test_topic_filters_cover_only_the_followed_events() -> None:
    assert len(topic_filter(("Transfer", "Frozen"))) == 2
    assert topic_filter(("TokensFrozen",)) == []  # Frozen carries the total; TokensFrozen is not followed


def _event(name: str, *args: object, log_index: int = 0) -> Event:
    return Event(name, ASSET, 16, "0x" + "11" * 32, "0x" + "22" * 32, log_index, args)


def test_an_update_of_an_investor_the_index_never_saw_is_refused() -> None:
    projection = Projection(31337)
    with pytest.raises(IndexInconsistent) as refused:
        projection.apply([_event("InvestorRevoked", "HK-0404")], {})
    assert "rwakit index --rebuild" in refused.value.message


def test_a_transfer_from_an_empty_wallet_is_refused() -> None:
    projection = Projection(31337)
    with pytest.raises(IndexInconsistent):
        projection.apply([_event("Transfer", WALLET, ASSET, 5)], {})


def test_a_transfer_to_oneself_leaves_one_row_per_key() -> None:
    projection = Projection(31337)
    zero = "0x0000000000000000000000000000000000000000"
    projection.apply([_event("Transfer", zero, WALLET, 5), _event("Transfer", WALLET, WALLET, 5, log_index=1)], {})
    assert projection.balances[(ASSET, WALLET)]["amount"] == 5
    assert len(projection.balance_changes) == 2


def test_a_batch_refuses_a_cursor_that_moved(engine: Engine) -> None:
    header = Header(16, "0x" + "11" * 32, "0x" + "10" * 32, 1)
    batch = Batch(31337, 16, 16, [], [header], {})
    write_batch(engine, batch, expected=None)
    with pytest.raises(CursorMoved):
        write_batch(engine, batch, expected=None)  # a second writer that began at the same cursor
    write_batch(engine, Batch(31337, 17, 17, [], [Header(17, "0x" + "12" * 32, header.hash, 2)], {}),
                expected=Cursor(16, header.hash))  # fmt: skip
