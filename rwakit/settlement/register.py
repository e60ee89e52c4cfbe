"""The register of holders at a record block, and a distribution's allocation over it.

The register comes through a small interface (`RegisterSource`): `ChainRegister` scans the chain's
Transfer events (no index needed), `IndexRegister` asks the read model (rwakit/indexer/); both give
the same register, which a test checks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from web3 import Web3

from rwakit.contracts import load_artifact
from rwakit.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
LEAF_TYPES = ("uint256", "address", "uint256")


class RegisterSource(Protocol):
    def holders_at(self, asset: str, block: int) -> dict[str, int]:
        """Every wallet holding shares of `asset` at the end of `block`, with its balance (base units)."""
        ...

    def last_block_of(self, day: date) -> int:
        """The last block at or before the end of UTC day `day` (the rule of the index's `?at=` reads).
        InvalidInput `record_date_in_future` until a block after that day's end is known (the day's last
        block is final only then); `record_date_too_early` for a day before the platform's first block."""
        ...


def in_future(day: date) -> InvalidInput:
    return InvalidInput(
        f"{day.isoformat()} has not ended on chain yet (no block after its end, UTC): a record date must be a "
        "past day",
        code="record_date_in_future",
    )


def too_early(day: date) -> InvalidInput:
    return InvalidInput(f"No block of the platform is as early as {day.isoformat()} (UTC)",
                        code="record_date_too_early")  # fmt: skip


class ChainRegister:
    """The register from the asset's Transfer events up to the record block (no archive state needed)."""

    def __init__(self, w3: Web3, from_block: int) -> None:
        self._w3 = w3
        self._from_block = from_block

    def holders_at(self, asset: str, block: int) -> dict[str, int]:
        token = load_artifact("AssetToken").at(self._w3, asset)
        balances: dict[str, int] = defaultdict(int)
        for log in token.events.Transfer().get_logs(from_block=self._from_block, to_block=block):
            args = log["args"]
            balances[args["from"]] -= args["value"]
            balances[args["to"]] += args["value"]
        return {w: v for w, v in sorted(balances.items()) if w != ZERO_ADDRESS and v > 0}

    def last_block_of(self, day: date) -> int:
        """By bisection over block timestamps from the platform's first block (about 25 reads)."""
        if day >= date.max:
            raise in_future(day)
        until = int(datetime.combine(day + timedelta(days=1), time(0), UTC).timestamp()) - 1  # as the index's
        low, high = self._from_block, int(self._w3.eth.block_number)
        if self._stamp(high) <= until:
            raise in_future(day)
        if self._stamp(low) > until:
            raise too_early(day)
        while high - low > 1:  # stamp(low) <= until < stamp(high)
            middle = (low + high) // 2
            low, high = (middle, high) if self._stamp(middle) <= until else (low, middle)
        return low

    def _stamp(self, block: int) -> int:
        return int(self._w3.eth.get_block(block)["timestamp"])


class IndexRegister:
    """The register from the read model (rwakit/indexer/: its balance history as of a block), for a
    platform that runs the indexer. The record block must be indexed: IndexNotReady otherwise (retry
    once the indexer has passed it)."""

    def __init__(self, engine: Engine, chain_id: int) -> None:
        self._engine = engine
        self._chain_id = chain_id

    def holders_at(self, asset: str, block: int) -> dict[str, int]:
        from rwakit.indexer.queries import as_of, snapshot, wallet_balances  # needs the api extra (SQL)

        with snapshot(self._engine) as connection:
            when = as_of(connection, self._chain_id, block=block)
            rows = wallet_balances(connection, self._chain_id, Web3.to_checksum_address(asset), when.past)
        return {str(wallet): int(amount) for wallet, amount, _ in sorted(rows)}

    def last_block_of(self, day: date) -> int:
        """The index's `as_of(at=day)`: the index must have passed the day's end (the caller waits for it to
        reach the chain's head first)."""
        from rwakit.indexer.queries import IndexNotReady, as_of, snapshot

        with snapshot(self._engine) as connection:
            try:
                when = as_of(connection, self._chain_id, at=day)
            except IndexNotReady as early:
                raise too_early(day) from early
        if not when.final:
            raise in_future(day)
        return when.block_number


@dataclass(frozen=True)
class Allocation:
    """Who gets what of `amount`: one leaf (index, wallet, share) per wallet with a non-zero share.

    Each wallet's share is floor(amount x balance / supply), the supply being the sum of the register's
    balances (every share outstanding at the record block). Paid per wallet: an investor with two wallets
    gets two leaves, each floored, as the register of holders lists wallets. `remainder` (amount minus the
    shares, below one base unit per holder) is what the issuer keeps: it is never pulled from them.
    """

    amount: int
    supply: int
    leaves: tuple[tuple[int, str, int], ...]

    @property
    def allocated(self) -> int:
        return sum(leaf[2] for leaf in self.leaves)

    @property
    def remainder(self) -> int:
        return self.amount - self.allocated


def allocate(register: dict[str, int], amount: int) -> Allocation:
    if amount <= 0:
        raise InvalidInput(f"A distribution's amount must be positive, not {amount}", code="invalid_amount")
    supply = sum(register.values())
    if supply == 0:
        raise InvalidInput("Nobody held the asset at the record block: nothing to distribute to", code="no_holders")
    shares = [(wallet, amount * balance // supply) for wallet, balance in sorted(register.items())]
    leaves = tuple((i, wallet, share) for i, (wallet, share) in enumerate((w, s) for w, s in shares if s > 0))
    if not leaves:
        raise InvalidInput(
            f"{amount} base units is less than one per holder's share: distribute more", code="invalid_amount"
        )
    return Allocation(amount, supply, leaves)
