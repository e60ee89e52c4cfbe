"""Issuance from a CSV in the console: a preview that checks every row before anything is sent, then
the batch issued through the API's IssuanceService (idempotency key, chunks, journal).

A row is `to,amount` (an investor id or a wallet, then shares; a `to,amount` header is allowed); the
form for one investor is taken as a one-row file.
The preview finds, per row, what the API would refuse: a malformed line, an unknown investor or a
bad address, an amount the asset's decimals cannot hold or zero, then what the token would refuse
(rwakit.tokenize.batch_checks, as the API checks a batch): a row its rules refuse, and a row that
takes the batch past the authorised shares, the maximum holders or an investor's maximum balance
after the rows above it. The API refuses a batch with any such row whole, so the console offers to
issue only a clean preview.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from web3 import Web3

from rwakit.chain.reads import Call, read
from rwakit.errors import InvalidInput, RwakitError
from rwakit.platform import Platform
from rwakit.tokenize.batch_checks import Mint, check_batch
from rwakit.units import format_units, investor_id_to_bytes32, to_base_units

HEADER = ["to", "amount"]


@dataclass
class PreviewRow:
    line: int  # 1-based, as an editor shows it
    to: str
    amount: str
    wallet: str | None = None
    base_units: int = 0
    code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.code is None

    def refuse(self, code: str, message: str) -> None:
        if self.code is None:
            self.code, self.message = code, message


@dataclass(frozen=True)
class Preview:
    symbol: str
    decimals: int
    rows: list[PreviewRow]

    @property
    def refused(self) -> list[PreviewRow]:
        return [row for row in self.rows if not row.ok]


def preview(platform: Platform, asset: str, text: str, max_rows: int) -> Preview:
    """Every row of the CSV checked as the API would, nothing sent; InvalidInput for an empty or oversized file."""
    address = platform.assets.resolve(asset)
    w3 = platform.chain.w3
    symbol, decimals = read(w3, [Call(address, "symbol()", (), "string"), Call(address, "decimals()", (), "uint8")])
    rows = _rows(text)
    if not rows:
        raise InvalidInput("The CSV has no rows: one `to,amount` per line", code="empty_csv")
    if len(rows) > max_rows:
        raise InvalidInput(f"At most {max_rows} rows per batch issuance", code="batch_too_large", limit=max_rows)
    _resolve(platform, rows)
    for row in rows:
        try:
            row.base_units = to_base_units(row.amount, decimals)
        except RwakitError as exc:
            row.refuse(exc.code, exc.message)
            continue
        if row.base_units == 0:
            row.refuse("invalid_amount", "Amount must be greater than zero")
        else:
            row.amount = format_units(row.base_units, decimals)
    eligible = [row for row in rows if row.ok]
    mints = [Mint(str(row.wallet), row.base_units) for row in eligible]
    for index, refusal in check_batch(w3, address, platform.registry.address, mints, decimals).items():
        eligible[index].refuse(refusal.reason, refusal.message)
    return Preview(symbol, decimals, rows)


def one_row(to: str, amount: str) -> str:
    """The console's "Issue to one investor" form as a one-row CSV, so it is previewed and issued as a file's
    rows are; csv quotes what it must (a comma in `to` stays in one cell, which the preview then refuses)."""
    if not to.strip() or not amount.strip():
        raise InvalidInput("Name the investor (an id or a wallet) and the shares to issue", code="invalid_form")
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow([to.strip(), amount.strip()])
    return line.getvalue()


def _rows(text: str) -> list[PreviewRow]:
    rows: list[PreviewRow] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for line, fields in enumerate(reader, start=1):
            cells = [cell.strip() for cell in fields]
            if not any(cells) or (not rows and [c.lower() for c in cells] == HEADER):
                continue
            row = PreviewRow(line, cells[0] if cells else "", cells[1] if len(cells) > 1 else "")
            if len(cells) != 2:
                row.refuse("invalid_row", "Each line is `to,amount`: an investor id or a wallet, then the shares")
            rows.append(row)
    except csv.Error as exc:  # a field past csv's size limit, a stray quote under strict rules
        raise InvalidInput(f"The CSV cannot be read at line {reader.line_num}: {exc}", code="invalid_csv") from None
    return rows


def _resolve(platform: Platform, rows: list[PreviewRow]) -> None:
    """Each row's wallet: an address as given (checksummed), an investor id's first registered wallet."""
    ids: dict[str, bytes] = {}
    for row in rows:
        if row.ok and not row.to.lower().startswith("0x"):
            try:
                ids[row.to] = investor_id_to_bytes32(row.to)
            except RwakitError as exc:
                row.refuse(exc.code, exc.message)
    calls = [Call(platform.registry.address, "walletsOf(bytes32)", (raw,), "address[]") for raw in ids.values()]
    found = dict(zip(ids, read(platform.chain.w3, calls), strict=True))
    for row in rows:
        if not row.ok:
            continue
        if row.to.lower().startswith("0x"):
            if Web3.is_address(row.to):
                row.wallet = Web3.to_checksum_address(row.to)
            else:
                row.refuse("invalid_address", f"{row.to[:50]!r} is not an address")
        elif found[row.to]:
            row.wallet = found[row.to][0]
        else:
            row.refuse("investor_not_found", f"No investor {row.to[:50]!r} in the registry")
