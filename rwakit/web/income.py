"""An investor's income: each distribution (rwakit.settlement) their wallets were holders of record
of, what it pays each wallet, whether it is paid, and the claim transaction for their wallet to send.

The claim is sent by the investor's own wallet (eth_sendTransaction in the page), not by the
platform: anyone may send a claim and the coins go to the holder's wallet, so the page only needs
the distributor's address and the call's data (amount and Merkle proof, from the register at the
record block as the API builds it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rwakit.api.runtime import Runtime
from rwakit.api.services.settlement import indexed
from rwakit.errors import NotFound
from rwakit.settlement.services import Settlement
from rwakit.units import from_timestamp


@dataclass(frozen=True)
class Income:
    distribution: int
    asset: str
    currency: str
    wallet: str
    amount: str
    claimed: bool
    deadline: datetime
    open: bool  # claims are taken until the deadline
    to: str  # the distributor: where the claim is sent
    data: str  # the claim call's data


def incomes(runtime: Runtime, wallets: list[str], now: int) -> list[Income]:
    """Every share of a distribution paid to one of `wallets`, newest distribution first; none where
    the platform has no money leg."""
    platform = runtime.platform
    if platform.deployment.distributor is None:
        return []
    found = []
    for d in reversed(Settlement.open(platform).distributions.list()):
        money = indexed(runtime, platform, d.record_block)  # the register at the record block, from the index
        symbol = platform.assets.get(d.asset).symbol
        for wallet in wallets:
            try:
                c = money.distributions.claimable(d.id, wallet)
            except NotFound:  # not a holder of record of this one
                continue
            distributor = money.distributions.distributor
            data = distributor.encode_abi("claim", args=[d.id, c.index, c.wallet, c.amount, list(c.proof)])
            amount = money.cash.display(c.amount)
            deadline = from_timestamp(d.deadline)
            found.append(Income(d.id, symbol, money.cash.symbol, c.wallet, amount, c.claimed, deadline,
                                now < d.deadline, distributor.address, data))  # fmt: skip
    return found
