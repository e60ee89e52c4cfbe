"""The demo's fund: Harbour Money Market Fund's dealing vault opened at NAV 10, three investors subscribe and
a seed investor redeems before the 17:00 Hong Kong cut-off, one retail investor is refused, the chain's
clock passes the cut-off, the valuer publishes the NAV, the manager settles the day in one transaction and
everyone claims. Run by rwakit.demo after the money leg."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint

from rwakit.chain.connection import Chain
from rwakit.errors import ComplianceError
from rwakit.funds.dealing import Side
from rwakit.funds.models import day_date, format_cutoff, iso_time
from rwakit.funds.services import Funds
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec

FEE_ACCOUNT = 8  # among the chain's funded accounts: a wallet of the fund's own, outside the registry
RETAIL = 5  # GB-0001
SUBSCRIBERS = (("HK-0002", 3, "1000000"), ("SG-0001", 4, "500000"), ("SG-0002", 6, "250000"))
SEED = ("HK-0002", 3, "100000", "20000")  # investor, wallet, seed shares issued at launch, shares redeemed


def run_fund_demo(platform: Platform, say: Callable[[str], None]) -> None:
    funds = Funds.open(platform)
    signers, operator = platform.chain.signers, platform.chain.operator
    hkd = funds.cash.symbol
    platform.assets.create(AssetSpec("Harbour Money Market Fund", "HMMF", 4, "fund", "100000000"))
    platform.compliance.allow_classes("HMMF", ["professional", "institutional"], reason="fund prospectus")
    terms = funds.vaults.terms(cash_account=operator.address, fee_account=signers[FEE_ACCOUNT].address,
                               subscription_fee_bps=10, min_subscription="10000", min_redemption="1",
                               fund="HMMF")  # fmt: skip
    fund = funds.vaults.open(operator, "HMMF", terms, initial_nav="10").fund
    say(f"Opened Harbour Money Market Fund (HMMF)'s dealing vault at {fund.vault}: NAV 10, cut-off 17:00 Hong Kong "
        f"({format_cutoff(fund.cutoff)}), subscription fee 10 bps, minimum {hkd} 10,000")  # fmt: skip

    seeded, wallet, seed, redeemed = SEED
    platform.assets.issue("HMMF", seeded, seed)
    day = fund.open_day
    for _, index, amount in SUBSCRIBERS:
        funds.dealing.subscribe(signers[index], "HMMF", amount)
    funds.dealing.redeem(signers[wallet], "HMMF", redeemed)
    say(f"Dealing day {day_date(day)}: HK-0002 subscribed {hkd} 1,000,000, SG-0001 {hkd} 500,000 and SG-0002 "
        f"{hkd} 250,000; HK-0002 redeemed {grouped(redeemed)} of its {grouped(seed)} seed units (burnt at the "
        "request)")  # fmt: skip
    funds.cash.mint(signers[RETAIL].address, "20000")
    try:
        funds.dealing.subscribe(signers[RETAIL], "HMMF", "20000")
    except ComplianceError as refused:
        say(f"Refused: GB-0001 (a retail investor) subscribing to HMMF: {refused.reason} (code {refused.reason_code})")
    else:  # pragma: no cover - the fund's rules would be broken
        raise AssertionError("a retail investor subscribed to a professional fund")

    advance_to(platform.chain, funds.vaults.cutoff_time("HMMF", day) + 60)
    nav = funds.vaults.publish_nav(operator, "HMMF", "10.0012")
    totals = funds.vaults.settle(operator, "HMMF", day)
    say(f"Cut-off passed; NAV {nav.display} valued at {iso_time(nav.valuation_time)}; day {day_date(day)} settled "
        f"in one transaction: {hkd} {grouped(funds.cash.display(totals.subscription_cash))} in (fees "
        f"{grouped(funds.cash.display(totals.subscription_fees))}), "
        f"{grouped(fund_shares(platform, totals.redemption_shares))} HMMF redeemed")  # fmt: skip
    for investor, index, _ in SUBSCRIBERS:
        got = funds.dealing.claim(signers[index], "HMMF", Side.SUBSCRIPTION)
        say(f"  {investor} claimed {grouped(fund_shares(platform, got.shares))} HMMF")
    paid = funds.dealing.claim(signers[wallet], "HMMF", Side.REDEMPTION)
    cash = grouped(funds.cash.display(paid.cash))
    say(f"  {seeded} claimed {hkd} {cash} for {grouped(redeemed)} HMMF, paid from the cash account")


def grouped(amount: str) -> str:
    """A decimal string with thousands separators, as the demo's other lines print amounts."""
    return f"{Decimal(amount):,}"


def fund_shares(platform: Platform, value: int) -> str:
    return platform.assets.get("HMMF").display(value)


def advance_to(chain: Chain, timestamp: int) -> None:
    """Mine a block at `timestamp` or later on a local chain (the demo's cut-off; eth-tester travels in time)."""
    provider = chain.w3.provider
    if isinstance(provider, EthereumTesterProvider):
        provider.ethereum_tester.time_travel(timestamp)  # type: ignore[union-attr]
        return
    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    provider.make_request(RPCEndpoint("evm_increaseTime"), [max(timestamp - now, 0)])
    provider.make_request(RPCEndpoint("evm_mine"), [])
