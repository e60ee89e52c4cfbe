"""The register of holders as of a date, in CSV and XLSX: the same rows in both, the header naming
the block and its time, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from rwakit.indexer import queries
from rwakit.indexer.exports import COLUMNS, NO_INVESTOR, ExportFormat, register, render, to_csv, to_xlsx
from tests.indexer.index_rows import CHAIN, ZERO, Rows, address, day, index_engine

assert index_engine  # the fixture, imported for pytest

HVT = address(0xA55E7)
A1, A2, B1 = address(0xA1), address(0xA2), address(0xB1)


@pytest.fixture
def engine(index_engine: Engine) -> Engine:
    """HVT (6 decimals): HK-0001 holds 100.5 in A1 and A2 from block 11; SG-0001 gets 0.25 at block 12
    (a day later); A2 is removed from HK-0001 at block 13."""
    with index_engine.begin() as connection:
        rows = Rows(connection)
        for number, when in ((10, "2026-12-30"), (11, "2026-12-31"), (12, "2027-01-01"), (13, "2027-01-02")):
            rows.block(number, day(when) + 3600)
        rows.asset(HVT, "HVT", 6, 10)
        rows.investor("HK-0001", 10, kyc_expiry=day("2030-12-31"))
        rows.investor("SG-0001", 10, country=702, investor_class=2, kyc_expiry=2**40)
        for wallet, owner in ((A1, "HK-0001"), (A2, "HK-0001"), (B1, "SG-0001")):
            rows.wallet(wallet, owner, 10)
        balances: dict[str, int] = {}
        rows.move(HVT, ZERO, A1, 100_000_000, 11, balances)
        rows.move(HVT, ZERO, A2, 500_000, 11, balances)
        rows.move(HVT, ZERO, B1, 250_000, 12, balances)
        rows.wallet(A2, "HK-0001", 13, active=False)
        rows.head(13)
    return index_engine


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def xlsx_rows(data: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_register_as_of_a_date_in_csv_and_the_same_in_xlsx(engine: Engine) -> None:
    with queries.snapshot(engine) as connection:
        reg = register(connection, CHAIN, "HVT", at=date(2026, 12, 31))
    rows = csv_rows(to_csv(reg))
    header = {row[0]: row[1] for row in rows[:9]}
    assert header["Register of holders"] == "HVT" and header["As of date (UTC)"] == "2026-12-31"
    assert header["As of block"] == "11" and header["Block time (UTC)"] == "2026-12-31T01:00:00+00:00"
    assert header["Final"] == "yes" and header["Total supply"] == "100.5" and header["Holders"] == "1"
    assert rows[9] == [] and rows[10] == COLUMNS
    assert rows[11:] == [["HK-0001", f"{A1} {A2}", "100.5", "100", "HK", "professional", "2030-12-31T00:00:00+00:00"]]
    assert xlsx_rows(to_xlsx(reg))[:9] + xlsx_rows(to_xlsx(reg))[10:] == rows[:9] + rows[10:]
    assert reg.filename(ExportFormat.CSV) == "HVT-register-2026-12-31.csv"


def test_register_now_lists_removed_wallets_and_odd_records(engine: Engine) -> None:
    with queries.snapshot(engine) as connection:
        reg = register(connection, CHAIN, "hvt")
    rows = csv_rows(render(reg, ExportFormat.CSV))
    assert rows[4][1] == "13" and rows[3][1] == "" and reg.filename(ExportFormat.XLSX) == "HVT-register-block-13.xlsx"
    assert [r[:4] for r in rows[11:]] == [
        ["HK-0001", A1, "100", "99.2555"],
        [NO_INVESTOR, A2, "0.5", "0.4962"],
        ["SG-0001", B1, "0.25", "0.2481"],
    ]
    assert rows[13][4:] == ["SG", "institutional", str(2**40)]  # a KYC expiry past year 9999 stays a number
    assert rows[12][4:] == ["", "", ""]
    assert xlsx_rows(render(reg, ExportFormat.XLSX))[10:] == rows[10:]


def test_a_date_not_yet_passed_is_marked_not_final(engine: Engine) -> None:
    with queries.snapshot(engine) as connection:
        reg = register(connection, CHAIN, "HVT", at=date(2099, 1, 1))
    assert csv_rows(to_csv(reg))[6] == ["Final", "no: the index has not passed this date yet"]


def test_nothing_in_the_files_runs_as_a_formula(index_engine: Engine) -> None:
    evil = address(0xE)
    with index_engine.begin() as connection:
        rows = Rows(connection)
        rows.block(5, day("2026-06-01"))
        rows.asset(evil, "EVIL", 0, 5, name='=HYPERLINK("http://x","y")')
        rows.investor("-2+3", 5)
        rows.investor("@SUM", 5)
        rows.wallet(A1, "-2+3", 5)
        rows.wallet(B1, "@SUM", 5)
        rows.move(evil, ZERO, A1, 7, 5, {})
        rows.move(evil, ZERO, B1, 3, 5, {})
        rows.head(5)
    with queries.snapshot(index_engine) as connection:
        reg = register(connection, CHAIN, "EVIL")
    text = csv_rows(to_csv(reg))
    assert text[1][1] == '\'=HYPERLINK("http://x","y")' and [r[0] for r in text[11:]] == ["'-2+3", "'@SUM"]
    workbook = load_workbook(io.BytesIO(to_xlsx(reg)))
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [c.value for c in cells if isinstance(c.value, str) and c.value[:1] in "=-@"] == [
        '=HYPERLINK("http://x","y")',
        "-2+3",
        "@SUM",
    ]
