"""The register of holders a transfer agent files: every investor holding an asset as of a date (or a
block), with their wallets, amount, share of supply, country, class and KYC expiry, under a header
naming the block it reflects and that block's time. CSV and XLSX, the same rows in both.

Amounts are exact decimal strings in both formats (a spreadsheet number is a double: 15 digits).
A cell a spreadsheet would run as a formula (starting = + - @) is written as text: in CSV behind a
leading apostrophe, in XLSX as a string cell.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.engine import Connection

from rwakit.indexer.queries import IndexedCapTable, InvestorRecord, cap_table, investors
from rwakit.registry.models import InvestorClass
from rwakit.units import country_alpha2, from_timestamp

Cell = str | int
COLUMNS = ["investor_id", "wallets", "amount", "share_of_supply_percent", "country", "investor_class", "kyc_expiry"]
NO_INVESTOR = "(no investor)"  # wallets the registry has removed: their shares still count
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is ExportFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Register:
    table: IndexedCapTable
    investors: dict[str, InvestorRecord]
    on: date | None  # the date asked for, if any

    def filename(self, fmt: ExportFormat) -> str:
        when = self.on.isoformat() if self.on is not None else f"block-{self.table.as_of.block_number}"
        return f"{self.table.asset.symbol}-register-{when}.{fmt.value}"

    def rows(self) -> list[list[Cell]]:
        """The header (one label and value per row), a blank row, then the column names and one row per holder."""
        table, asset, when = self.table, self.table.asset, self.table.as_of
        header: list[list[Cell]] = [
            ["Register of holders", asset.symbol],
            ["Asset", asset.name],
            ["Asset address", asset.address],
            ["As of date (UTC)", self.on.isoformat() if self.on is not None else ""],
            ["As of block", when.block_number],
            ["Block time (UTC)", when.time.isoformat() if when.time is not None else ""],
            ["Final", "yes" if when.final else "no: the index has not passed this date yet"],
            ["Total supply", asset.display(table.total_supply)],
            ["Holders", table.holders],
        ]
        body: list[list[Cell]] = [list(COLUMNS)]
        for entry in table.entries:
            record = self.investors.get(entry.investor_id) if entry.investor_id is not None else None
            body.append(
                [
                    entry.investor_id or NO_INVESTOR,
                    " ".join(entry.wallets),
                    asset.display(entry.amount),
                    table.share_of_supply(entry.amount),
                    (country_alpha2(record.country) or str(record.country)) if record else "",
                    _class_name(record.investor_class) if record else "",
                    _time(record.kyc_expiry) if record else "",
                ]
            )
        return [*header, [], *body]


def register(connection: Connection, chain_id: int, ref: str, *, at: date | None = None,
             block: int | None = None) -> Register:  # fmt: skip
    """The register of holders of an asset as of the end of a UTC day, a block, or now."""
    table = cap_table(connection, chain_id, ref, block=block, at=at)
    ids = [e.investor_id for e in table.entries if e.investor_id is not None]
    return Register(table, investors(connection, chain_id, ids, table.as_of.past), at)


def render(reg: Register, fmt: ExportFormat) -> bytes:
    return to_csv(reg) if fmt is ExportFormat.CSV else to_xlsx(reg)


def to_csv(reg: Register) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in reg.rows():
        writer.writerow(["'" + c if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(reg: Register) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"{reg.table.asset.symbol} register")
    for row in reg.rows():
        sheet.append([_text_cell(sheet, c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_cell(sheet: object, value: str) -> object:
    """A string cell, never a formula (openpyxl reads a string starting with '=' as one)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def _time(seconds: int) -> str:
    try:
        return from_timestamp(seconds).isoformat()
    except (OverflowError, ValueError, OSError):  # past year 9999: the chain holds it, datetime cannot
        return str(seconds)


def _class_name(value: int) -> str:
    try:
        return InvestorClass(value).name.lower()
    except ValueError:
        return str(value)
