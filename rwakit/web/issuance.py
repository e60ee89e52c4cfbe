"""Issuance from a CSV in the console: a preview that checks every row before anything is sent, then
the batch issued through the API's IssuanceService (idempotency key, chunks, journal).

A row is `to,amount` (an investor id or a wallet, then shares; a `to,amount` header is allowed); the
form for one investor is taken as a one-row file.
The preview finds, per row, what the API would refuse: a malformed line, an unknown investor or a
bad address, an amount the asset's decimals cannot hold or zero, and what the asset's rules would
refuse (the token's detectTransferRestriction for a mint to that wallet, in one batched read). Then
the limits the token checks mint by mint as the batch is sent, which no row shows on its own: the
running total against the authorised shares and, for an asset that keeps investor totals, the new
holders against its maximum and each investor's rows summed against its maximum balance. The API
refuses a batch with any such row whole, so the console offers to issue only a clean preview.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from web3 import Web3

from rwakit.chain.reads import Call, read
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import InvalidInput, RwakitError
from rwakit.platform import Platform
from rwakit.units import format_units, investor_id_to_bytes32, to_base_units

ZERO_ADDRESS = "0x" + "00" * 20
HEADER = ["to", "amount"]
INVESTOR_MASK = (1 << 48) - 1  # a registry word's investor number (bits 0-47)


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
class Limits:
    """What the asset lets a whole batch add, in base units: shares under the authorised and, for an asset
    that keeps investor totals, new holders under its maximum and shares per investor (None: no limit)."""

    decimals: int
    room: int
    per_investor: bool
    new_holders: int | None
    max_balance: int | None


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
    symbol, decimals, supply, authorised, per_investor, counts, rules = read(w3, [
        Call(address, "symbol()", (), "string"),
        Call(address, "decimals()", (), "uint8"),
        Call(address, "totalSupply()"),
        Call(address, "sharesAuthorised()"),
        Call(address, "investorLimits()", (), "bool"),
        Call(address, "counts()", (), "(uint32,uint32,uint16)"),
        Call(address, "rules()", (), "(bool,bool,bool,uint8,uint40,uint80,uint96)"),
    ])  # fmt: skip
    holders, max_holders, _ = counts
    limits = Limits(decimals=decimals, room=authorised - supply, per_investor=per_investor,
                    new_holders=max(max_holders - holders, 0) if max_holders else None,
                    max_balance=rules[6] or None)  # fmt: skip
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
    signature = "detectTransferRestriction(address,address,uint256)"
    codes = read(w3, [Call(address, signature, (ZERO_ADDRESS, r.wallet, r.base_units), "uint8") for r in eligible])
    for row, code in zip(eligible, codes, strict=True):
        if code:
            reason = Restriction.parse(code)
            name = reason.reason if isinstance(reason, Restriction) else f"code_{code}"
            row.refuse(name, f"The asset's rules refuse this wallet (reason code {code}, {name})")
    _check_together(platform, address, [row for row in eligible if row.ok], limits)
    return Preview(symbol, decimals, rows)


def _check_together(platform: Platform, token: str, rows: list[PreviewRow], limits: Limits) -> None:
    """Refuse the rows that, after the rows above them, would take the batch past a limit the token checks
    mint by mint (as its `_code` does, in that order). A refused row adds nothing, so removing the refused
    rows leaves a batch that passes."""
    holdings: dict[str, tuple[int, int]] = {}  # wallet -> its investor's number and shares held now
    if limits.per_investor and rows:
        wallets = sorted({str(row.wallet) for row in rows})
        registry = platform.registry.address
        words = [Call(registry, "walletWord(address)", (w,)) for w in wallets]
        held = [Call(token, "investorBalanceOf(address)", (w,)) for w in wallets]
        values = read(platform.chain.w3, words + held)
        holdings = {w: (values[i] & INVESTOR_MASK, values[len(wallets) + i]) for i, w in enumerate(wallets)}
    room, new_holders = limits.room, 0
    added: dict[int, int] = {}  # investor number -> shares the rows above give them
    for row in rows:
        if row.base_units > room:
            left = format_units(room, limits.decimals)
            row.refuse("exceeds_authorised", f"With the rows above, this row takes the batch past the asset's "
                       f"authorised shares ({left} left for it)")  # fmt: skip
            continue
        if limits.per_investor:
            investor, held_now = holdings[str(row.wallet)]
            before = held_now + added.get(investor, 0)
            if limits.max_balance is not None and before + row.base_units > limits.max_balance:
                cap = format_units(limits.max_balance, limits.decimals)
                row.refuse("max_balance_exceeded", f"With what the investor holds and the rows above, this row "
                           f"takes them past the asset's maximum balance ({cap} per investor)")  # fmt: skip
                continue
            if before == 0 and limits.new_holders is not None:
                if new_holders >= limits.new_holders:
                    row.refuse("max_holders_reached", f"With the rows above, this row takes the asset past its "
                               f"maximum holders ({limits.new_holders} new holders fit)")  # fmt: skip
                    continue
                new_holders += 1
            added[investor] = added.get(investor, 0) + row.base_units
        room -= row.base_units


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
