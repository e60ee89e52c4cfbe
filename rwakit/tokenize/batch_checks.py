"""What a token would refuse of a batch of mints, found before anything is sent: shared by the API's batch
issuance (rwakit.api.services.issuances), `rwakit issue-batch` and the console's CSV preview (rwakit.web.issuance).

Two kinds of refusal. A row the asset's rules refuse on its own: the token's detectTransferRestriction for
a mint to that wallet. And a row that passes alone but not after the rows above it, because the token
checks some limits mint by mint as the batch is sent: the running total against the authorised shares
and, for an asset that keeps investor totals, the new holders against its maximum and each investor's
rows (over all their wallets) plus what they hold against its maximum balance. A refused row adds
nothing to the running totals, so the batch without its refused rows passes. The reads are of the
latest block, not pinned to one (a node that keeps no history refuses a block once it is not the
latest): the chain can move on before the batch is sent anyway, and then the token refuses the chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from web3 import Web3

from rwakit.chain.reads import Call, read
from rwakit.contracts.restrictions import Restriction
from rwakit.units import format_units

ZERO_ADDRESS = "0x" + "00" * 20
INVESTOR_MASK = (1 << 48) - 1  # a registry word's investor number (bits 0-47)


@dataclass(frozen=True)
class Mint:
    wallet: str  # an address, in any case
    base_units: int


@dataclass(frozen=True)
class Refusal:
    """Why the token would refuse a row: its restriction code and name (the API's `reason`), in words."""

    reason_code: int
    reason: str
    message: str


@dataclass(frozen=True)
class _Limits:
    """What the asset lets a whole batch add, in base units: shares under the authorised and, for an asset
    that keeps investor totals, new holders under its maximum and shares per investor (None: no limit)."""

    room: int
    per_investor: bool
    new_holders: int | None
    max_balance: int | None


def check_batch(w3: Web3, token: str, registry: str, mints: Sequence[Mint], decimals: int) -> dict[int, Refusal]:
    """The rows (by position in `mints`) the token would refuse if the batch were sent as it stands, in
    the order the token checks them; empty when the whole batch passes."""
    signature = "detectTransferRestriction(address,address,uint256)"
    supply, authorised, per_investor, counts, rules, *codes = read(w3, [
        Call(token, "totalSupply()"),
        Call(token, "sharesAuthorised()"),
        Call(token, "investorLimits()", (), "bool"),
        Call(token, "counts()", (), "(uint32,uint32,uint16)"),
        Call(token, "rules()", (), "(bool,bool,bool,uint8,uint40,uint80,uint96)"),
        *(Call(token, signature, (ZERO_ADDRESS, m.wallet, m.base_units), "uint8") for m in mints),
    ])  # fmt: skip
    holders, max_holders, _ = counts
    limits = _Limits(room=authorised - supply, per_investor=per_investor,
                     new_holders=max(max_holders - holders, 0) if max_holders else None,
                     max_balance=rules[6] or None)  # fmt: skip
    refused: dict[int, Refusal] = {}
    for index, code in enumerate(codes):
        if code:
            parsed = Restriction.parse(code)
            name = parsed.reason if isinstance(parsed, Restriction) else f"code_{code}"
            refused[index] = Refusal(code, name, f"The asset's rules refuse this wallet (reason code {code}, {name})")
    eligible = [index for index in range(len(mints)) if index not in refused]
    refused.update(_together(w3, token, registry, [(i, mints[i]) for i in eligible], limits, decimals))
    return dict(sorted(refused.items()))


def _together(
    w3: Web3, token: str, registry: str, rows: list[tuple[int, Mint]], limits: _Limits, decimals: int
) -> dict[int, Refusal]:
    """The rows that, after the rows above them, would take the batch past a limit the token checks mint
    by mint (as its `_code` does, in that order)."""
    holdings: dict[str, tuple[int, int]] = {}  # wallet -> its investor's number and shares held now
    if limits.per_investor and rows:
        wallets = sorted({Web3.to_checksum_address(m.wallet) for _, m in rows})
        words = [Call(registry, "walletWord(address)", (w,)) for w in wallets]
        held = [Call(token, "investorBalanceOf(address)", (w,)) for w in wallets]
        values = read(w3, words + held)
        holdings = {w: (values[i] & INVESTOR_MASK, values[len(wallets) + i]) for i, w in enumerate(wallets)}
    refused: dict[int, Refusal] = {}
    room, new_holders = limits.room, 0
    added: dict[int, int] = {}  # investor number -> shares the rows above give them
    for index, mint in rows:
        if mint.base_units > room:
            left = format_units(room, decimals)
            refused[index] = _refusal(Restriction.EXCEEDS_AUTHORISED, "With the rows above, this row takes the "
                                      f"batch past the asset's authorised shares ({left} left for it)")  # fmt: skip
            continue
        if limits.per_investor:
            investor, held_now = holdings[Web3.to_checksum_address(mint.wallet)]
            before = held_now + added.get(investor, 0)
            if limits.max_balance is not None and before + mint.base_units > limits.max_balance:
                cap = format_units(limits.max_balance, decimals)
                refused[index] = _refusal(Restriction.MAX_BALANCE_EXCEEDED, "With what the investor holds and "
                                          "the rows above, this row takes them past the asset's maximum balance "
                                          f"({cap} per investor)")  # fmt: skip
                continue
            if before == 0 and limits.new_holders is not None:
                if new_holders >= limits.new_holders:
                    refused[index] = _refusal(Restriction.MAX_HOLDERS_REACHED, "With the rows above, this row "
                                              "takes the asset past its maximum holders "
                                              f"({limits.new_holders} new holders fit)")  # fmt: skip
                    continue
                new_holders += 1
            added[investor] = added.get(investor, 0) + mint.base_units
        room -= mint.base_units
    return refused


def _refusal(restriction: Restriction, message: str) -> Refusal:
    return Refusal(int(restriction), restriction.reason, message)
