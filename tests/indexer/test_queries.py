"""The index's reads over rows written in SQL: cap tables now, as of a block and as of a date; holder
counts after moves between one investor's wallets; holdings; history pages; KYC expiries; settings;
and the hostile inputs (negative, huge and unindexed blocks, dates before the index, SQL-ish names)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Connection, Engine

from rwakit.errors import InvalidInput, NotFound
from rwakit.indexer import queries
from rwakit.indexer.queries import IndexBehind, IndexNotReady
from tests.indexer.index_rows import CHAIN, ZERO, Rows, address, day, index_engine

assert index_engine  # the fixture, imported for pytest

HVT, PRIF = address(0xA55E7), address(0xF00D)
A1, A2, B1, C1, D1 = (address(n) for n in (0xA1, 0xA2, 0xB1, 0xC1, 0xD1))
NOON = 12 * 3600


@pytest.fixture
def index(index_engine: Engine) -> Iterator[Connection]:
    """HK-0001 (A1, A2), SG-0001 (B1), GB-0001 (C1, KYC lapsing soon), XX-0001 (D1, revoked).
    Block 11 issues HVT 100 to A1 and 50 to B1, PRIF 7 to A1; 12 moves 30 A1->A2 (one investor);
    13 moves B1's 50 to A2; 14 removes A2 from HK-0001 (its 80 stay, under no investor); head 15."""
    with index_engine.begin() as connection:
        rows = Rows(connection)
        for number in range(10, 16):
            rows.block(number, day(f"2026-01-{number}") + NOON)
        rows.asset(HVT, "HVT", 6, 10)
        rows.asset(PRIF, "PRIF", 4, 10)
        rows.investor("HK-0001", 10, number=1)
        rows.investor("SG-0001", 10, number=2, country=702)
        rows.investor("GB-0001", 10, number=3, country=826, kyc_expiry=day("2026-01-20"))
        rows.investor("XX-0001", 10, number=4, kyc_expiry=day("2026-01-01"), revoked=True)
        for wallet, owner in ((A1, "HK-0001"), (A2, "HK-0001"), (B1, "SG-0001"), (C1, "GB-0001"), (D1, "XX-0001")):
            rows.wallet(wallet, owner, 10)
        hvt: dict[str, int] = {}
        prif: dict[str, int] = {}
        rows.move(HVT, ZERO, A1, 100, 11, hvt)
        rows.move(HVT, ZERO, B1, 50, 11, hvt)
        rows.move(PRIF, ZERO, A1, 7, 11, prif)
        rows.setting(HVT, "paused", "", "false", 11)
        rows.setting(HVT, "document", "0x6f66", '{"uri": "ipfs://x", "hash": "0x00"}', 11)
        rows.move(HVT, A1, A2, 30, 12, hvt)
        rows.move(HVT, B1, A2, 50, 13, hvt)
        rows.setting(HVT, "paused", "", "true", 13)
        rows.setting(HVT, "document", "0x6f66", "null", 13)
        rows.wallet(A2, "HK-0001", 14, active=False)
        rows.head(15)
    with queries.snapshot(index_engine) as connection:
        yield connection


def entries(table: queries.IndexedCapTable) -> list[tuple[str | None, int, dict[str, int]]]:
    return [(e.investor_id, e.amount, e.wallets) for e in table.entries]


def test_cap_table_as_of_each_block_and_now(index: Connection) -> None:
    at_11 = queries.cap_table(index, CHAIN, "HVT", block=11)
    assert entries(at_11) == [("HK-0001", 100, {A1: 100}), ("SG-0001", 50, {B1: 50})]
    assert (at_11.total_supply, at_11.holders, at_11.as_of.block_number, at_11.as_of.head) == (150, 2, 11, 15)
    assert at_11.share_of_supply(100) == "66.6666" and at_11.as_of.timestamp == day("2026-01-11") + NOON

    at_12 = queries.cap_table(index, CHAIN, "HVT", block=12)  # a move between one investor's wallets
    assert entries(at_12) == [("HK-0001", 100, {A1: 70, A2: 30}), ("SG-0001", 50, {B1: 50})] and at_12.holders == 2
    at_13 = queries.cap_table(index, CHAIN, "HVT", block=13)  # SG-0001 sold out
    assert entries(at_13) == [("HK-0001", 150, {A1: 70, A2: 80})] and at_13.holders == 1

    now = queries.cap_table(index, CHAIN, "HVT")  # A2 removed: its shares count, under no investor
    assert entries(now) == [(None, 80, {A2: 80}), ("HK-0001", 70, {A1: 70})]
    assert (now.holders, now.total_supply, now.as_of.block_number, now.as_of.final) == (1, 150, 15, True)
    assert entries(queries.cap_table(index, CHAIN, "HVT", block=15)) == entries(now)
    assert entries(queries.cap_table(index, CHAIN, "HVT", block=14)) == entries(now)  # history agrees with current
    assert queries.cap_table(index, CHAIN, "HVT", block=3).entries == []  # before anything was issued


def test_holder_counts_now_and_as_of(index: Connection) -> None:
    counts = [queries.holder_count(index, CHAIN, HVT, block) for block in (10, 11, 12, 13, 14)]
    assert counts == [0, 2, 2, 1, 1] and queries.holder_count(index, CHAIN, HVT) == 1
    assert queries.holder_count(index, CHAIN, PRIF) == 1 and queries.holder_count(index, CHAIN, address(9)) == 0


def test_cap_table_as_of_a_date_names_its_block(index: Connection) -> None:
    table = queries.cap_table(index, CHAIN, "hvt", at=date(2026, 1, 12))
    assert table.as_of.block_number == 12 and table.as_of.final and table.as_of.time is not None
    assert table.as_of.time.date() == date(2026, 1, 12) and table.as_of.block_hash == f"0x{12:064x}"
    assert entries(table) == entries(queries.cap_table(index, CHAIN, "HVT", block=12))
    later = queries.cap_table(
        index, CHAIN, HVT.lower(), at=date(2027, 12, 31)
    )  # not reached: the latest state, not final
    assert (later.as_of.block_number, later.as_of.final) == (15, False)
    assert queries.as_of(index, CHAIN, at=date.max).block_number == 15
    with pytest.raises(IndexNotReady) as before:
        queries.cap_table(index, CHAIN, "HVT", at=date(2026, 1, 9))
    assert before.value.code == "date_before_index"


def test_unindexed_negative_and_conflicting_reads_are_refused(index: Connection) -> None:
    with pytest.raises(IndexNotReady) as ahead:
        queries.cap_table(index, CHAIN, "HVT", block=16)
    assert ahead.value.code == "block_not_indexed" and "min_block=16" in ahead.value.message
    with pytest.raises(IndexNotReady):
        queries.as_of(index, CHAIN, block=2**256)
    with pytest.raises(InvalidInput) as negative:
        queries.as_of(index, CHAIN, block=-1)
    assert negative.value.code == "invalid_block"
    with pytest.raises(InvalidInput) as both:
        queries.as_of(index, CHAIN, block=12, at=date(2026, 1, 12))
    assert both.value.code == "block_and_date"
    with pytest.raises(IndexBehind) as empty:
        queries.as_of(index, CHAIN + 1)  # another chain: nothing indexed
    assert empty.value.code == "index_empty"
    for ref in ("NOPE", "HVT'; DROP TABLE index_balance; --", "' OR 1=1 --", "Ω", address(0xDEAD), ""):
        with pytest.raises(NotFound) as unknown:
            queries.cap_table(index, CHAIN, ref)
        assert unknown.value.code == "asset_not_found"
    assert queries.holder_count(index, CHAIN, HVT) == 1  # the table is still there


def test_holdings_now_and_as_of(index: Connection) -> None:
    now = queries.holdings(index, CHAIN, "HK-0001")
    assert [(h.asset.symbol, h.amount, h.wallets) for h in now] == [("HVT", 70, {A1: 70}), ("PRIF", 7, {A1: 7})]
    at_12 = queries.holdings(index, CHAIN, "HK-0001", block=12)
    assert [(h.asset.symbol, h.amount, h.wallets) for h in at_12] == [
        ("HVT", 100, {A1: 70, A2: 30}),
        ("PRIF", 7, {A1: 7}),
    ]
    assert queries.holdings(index, CHAIN, "SG-0001") == [] and queries.holdings(index, CHAIN, "GB-0001") == []
    assert [h.amount for h in queries.holdings(index, CHAIN, "SG-0001", block=11)] == [50]
    with pytest.raises(NotFound) as unknown:
        queries.holdings(index, CHAIN, "NOBODY")
    assert unknown.value.code == "investor_not_found"
    with pytest.raises(NotFound):
        queries.holdings(index, CHAIN, "HK-0001", block=9)  # not registered yet


def test_transfer_history_pages(index: Connection) -> None:
    wallets = queries.investor_wallets(index, CHAIN, "HK-0001")
    assert wallets == [A1] and queries.investor_wallets(index, CHAIN, "HK-0001", 13) == sorted([A1, A2])
    moves = queries.transfers(index, CHAIN, wallets, to_block=15)
    mine = set(wallets)
    assert [(m.asset.symbol, m.kind(mine), m.amount) for m in moves] == [
        ("HVT", "issue", 100),
        ("PRIF", "issue", 7),
        ("HVT", "out", 30),
    ]
    then = queries.transfers(index, CHAIN, [A1, A2], to_block=13)
    assert [m.kind({A1, A2}) for m in then] == ["issue", "issue", "internal", "in"]
    page = queries.transfers(index, CHAIN, wallets, to_block=15, offset=1, limit=1)
    assert [(m.asset.symbol, m.block_number) for m in page] == [("PRIF", 11)]
    assert queries.transfers(index, CHAIN, wallets, to_block=15, offset=10**6) == []
    assert (
        queries.transfers(index, CHAIN, wallets, to_block=10) == []
        and queries.transfers(index, CHAIN, [], to_block=15) == []
    )


def test_kyc_expiring_lists_lapsing_and_lapsed_but_not_revoked(index: Connection) -> None:
    soon = queries.kyc_expiring(index, CHAIN, day("2026-02-01"))
    assert [(r.investor_id, r.country) for r in soon] == [("GB-0001", 826)]
    assert [r.investor_id for r in queries.kyc_expiring(index, CHAIN, day("2031-01-01"))] == [
        "GB-0001",
        "HK-0001",
        "SG-0001",
    ]
    assert queries.kyc_expiring(index, CHAIN, 0) == [] and queries.kyc_expiring(index, CHAIN, -(2**62)) == []


def test_settings_now_and_as_of(index: Connection) -> None:
    assert queries.settings(index, CHAIN, HVT) == {"paused": {"": True}}  # the removed document is left out
    assert queries.settings(index, CHAIN, HVT, 12) == {
        "paused": {"": False},
        "document": {"0x6f66": {"uri": "ipfs://x", "hash": "0x00"}},
    }
    assert queries.settings(index, CHAIN, PRIF) == {} and queries.settings(index, CHAIN, HVT, 1) == {}


def test_investor_records_as_of(index: Connection) -> None:
    records = queries.investors(index, CHAIN, ["HK-0001", "NOBODY"], 12)
    assert list(records) == ["HK-0001"] and records["HK-0001"].country == 344
    assert len(queries.investors(index, CHAIN, None)) == 4 and queries.investors(index, CHAIN, None, 9) == {}


def test_total_supply_is_exact_up_to_uint256_max(index_engine: Engine) -> None:
    big = address(0xB16)
    with index_engine.begin() as connection:
        rows = Rows(connection)
        rows.block(5, day("2026-01-05"))
        rows.asset(big, "BIG", 18, 5)
        balances: dict[str, int] = {}
        for wallet, amount in ((A1, 2**255), (A2, 2**255 - 12346), (B1, 12345), (C1, 0)):
            rows.move(big, ZERO, wallet, amount, 5, balances)
        rows.head(5)
    with queries.snapshot(index_engine) as connection:
        assert queries.total_supply(connection, CHAIN, big) == 2**256 - 1
        assert queries.total_supply(connection, CHAIN, big, 5) == 2**256 - 1
        assert queries.total_supply(connection, CHAIN, HVT) == 0  # no rows: nothing summed


def test_a_read_sees_one_commit_of_the_indexer(index: Connection, index_engine: Engine) -> None:
    """The head a read names and the rows it returns come from the same commit, whatever the indexer
    commits meanwhile."""
    before = queries.cap_table(index, CHAIN, "HVT")
    with index_engine.begin() as writer:  # the indexer commits a block while the read is open
        rows = Rows(writer)
        rows.log = 1000
        rows.block(16, day("2026-01-16"))
        rows.move(HVT, ZERO, C1, 5, 16, {})
        rows.head(16)
    after = queries.cap_table(index, CHAIN, "HVT")
    assert after.as_of.block_number == 15 and entries(after) == entries(before)
    with queries.snapshot(index_engine) as fresh:
        assert queries.cap_table(fresh, CHAIN, "HVT").as_of.block_number == 16
