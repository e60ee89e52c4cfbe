"""The demo's money leg: investors funded in test HKD, an OTC sale of Harbour View Tower settled
delivery versus payment, one refused because the buyer's KYC has expired, and a month's rent paid to
the holders of record. Run by rwakit.demo after the shares are issued."""

from __future__ import annotations

from collections.abc import Callable

from rwakit.errors import ComplianceError
from rwakit.platform import Platform
from rwakit.settlement.services import Settlement

DAY = 24 * 3600


def run_money_demo(platform: Platform, say: Callable[[str], None]) -> None:
    money = Settlement.open(platform)
    signers = platform.chain.signers
    hkd = money.cash.symbol
    for who, amount in (("SG-0001", "10000000"), ("SG-0002", "1000000"), (platform.chain.operator.address, "300000")):
        money.cash.mint(str(platform.assets.recipient(who)), amount)
    say(f"Minted test {hkd} to SG-0001, SG-0002 and the issuer (settlement currency {money.cash.token.address})")

    trade = money.trades.propose(signers[3], asset="HVT", counterparty="SG-0001", quantity="2000", price="5200000",
                                 expires_in=DAY, as_seller=True)  # fmt: skip
    money.trades.accept(signers[4], trade.id)
    money.trades.settle(signers[3], trade.id)
    say(f"OTC trade {trade.id}: HK-0002 sold 2,000 HVT to SG-0001 for {hkd} 5,200,000, both legs in one transaction")

    # SG-0002's KYC lapses (registered until yesterday), then is renewed.
    kept = platform.registry.get("SG-0002").kyc_expiry
    now = int(platform.chain.w3.eth.get_block("latest")["timestamp"])
    platform.registry.update("SG-0002", kyc_expiry=now - DAY)
    bid = money.trades.propose(signers[6], asset="HVT", counterparty="HK-0002", quantity="100", price="260000",
                               expires_in=DAY, as_seller=False)  # fmt: skip
    try:
        money.trades.accept(signers[3], bid.id)
    except ComplianceError as refused:
        why = f"{refused.reason} (code {refused.reason_code})"
        say(f"Refused: trade {bid.id}, HK-0002 selling 100 HVT to SG-0002: {why}")
    else:  # pragma: no cover - the registry would be broken
        raise AssertionError("a trade to a buyer whose KYC had expired was accepted")
    money.trades.cancel(signers[6], bid.id)
    platform.registry.update("SG-0002", kyc_expiry=kept)

    rent = money.distributions.create(platform.chain.operator, "HVT", "250000", deadline_in=90 * DAY,
                                      uri="https://example.com/hvt/rent-2026-11.json")  # fmt: skip
    leaves = len(money.distributions.tree(rent.id).values)
    say(f"Rent: {hkd} 250,000 for HVT's {leaves} holder wallets at block {rent.record_block} (distribution "
        f"{rent.id}); {money.cash.display(rent.remainder)} {hkd} of rounding stays with the issuer")  # fmt: skip
    for wallet in (signers[1].address, signers[2].address):  # HK-0001's two wallets, each its own leaf
        claim = money.distributions.claimable(rent.id, wallet)
        money.distributions.claim(signers[1], rent.id, wallet)
        say(f"  HK-0001 claimed {money.cash.display(claim.amount)} {hkd} for {wallet}")
