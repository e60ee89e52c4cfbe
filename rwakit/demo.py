"""The demo: a platform, a handful of investors, a property and a fund, fractional issuance,
one refused transfer, and the cap table; then the money leg (an OTC trade settled against test HKD,
one refused, a month's rent), and a money market fund's dealing day. Printed as it goes."""

from __future__ import annotations

from collections.abc import Callable

from rwakit.errors import ComplianceError
from rwakit.funds.demo import run_fund_demo
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.settlement.demo import run_money_demo
from rwakit.tokenize import AssetSpec, CapTable
from rwakit.units import country_alpha2

YEAR = 365 * 24 * 3600
# (investor id, wallet indexes among the chain's funded accounts, country, class)
INVESTORS = [
    ("HK-0001", [1, 2], "HK", "professional"),
    ("HK-0002", [3], "HK", "institutional"),
    ("SG-0001", [4], "SG", "professional"),
    ("GB-0001", [5], "GB", "retail"),
    ("SG-0002", [6], "SG", "institutional"),
]
UNVERIFIED_WALLET = 9

Print = Callable[[str], None]


def run_demo(platform: Platform, say: Print = print) -> dict[str, str]:
    """Seed the platform and return the created assets' symbols -> addresses."""
    chain = platform.chain
    signers = chain.signers
    deployment = platform.deployment
    say(f"Platform on chain {chain.chain_id}: registry {deployment.registry}, factory {deployment.factory}")

    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    investors = [
        InvestorInput(investor_id, [signers[i].address for i in wallets], country, cls, now + YEAR)
        for investor_id, wallets, country, cls in INVESTORS
    ]
    receipt = platform.registry.register_batch(investors)
    say(f"Registered {len(investors)} investors from HK, SG and GB in one transaction ({receipt['gasUsed']:,} gas)")

    tower = platform.assets.create(
        AssetSpec(
            "Harbour View Tower",
            "HVT",
            6,
            "property",
            "1000000",
            "ipfs://harbour-view-tower/offering.pdf",
            "0x" + "ab" * 32,
        )
    )
    fund = platform.assets.create(
        AssetSpec("Pearl River Income Fund", "PRIF", 4, "fund", "50000000", investor_limits=True)
    )
    say(f"Created {tower.name} ({tower.symbol}) at {tower.address}: 1,000,000 shares, {tower.decimals} decimals")
    say(f"Created {fund.name} ({fund.symbol}) at {fund.address}: 50,000,000 units, {fund.decimals} decimals")

    platform.assets.issue_batch(
        "HVT", [("HK-0001", "250000.5"), ("HK-0002", "400000"), ("SG-0001", "120000.125"), ("GB-0001", "0.75")]
    )
    platform.compliance.allow_classes("PRIF", ["professional", "institutional"], reason="fund prospectus")
    platform.compliance.set_max_holders("PRIF", 50, reason="fund prospectus")
    say("PRIF admits professional and institutional investors only, at most 50 of them")
    platform.assets.issue_batch("PRIF", [("HK-0002", "1500000"), ("SG-0002", "2750000.2525")])
    say("Issued fractional shares of both assets")
    try:
        platform.assets.issue("PRIF", "GB-0001", "100")
    except ComplianceError as refused:
        say(f"Refused: PRIF to GB-0001 (a retail investor): {refused.reason} (code {refused.reason_code})")

    platform.assets.transfer("HVT", signers[1], signers[2].address, "50000.25")
    platform.assets.transfer("HVT", signers[3], "SG-0001", "10000")
    say("HK-0001 moved 50,000.25 HVT to their second wallet; HK-0002 sold 10,000 HVT to SG-0001")

    outsider = signers[UNVERIFIED_WALLET].address
    try:
        platform.assets.transfer("HVT", signers[4], outsider, "5")
    except ComplianceError as refused:
        say(f"Refused: SG-0001 -> unverified wallet {outsider}: {refused.reason} (code {refused.reason_code})")
    else:  # pragma: no cover - the registry would be broken
        raise AssertionError("a transfer to an unverified wallet went through")

    for symbol in ("HVT", "PRIF"):
        say(format_cap_table(platform.assets.cap_table(symbol), platform))
    if platform.deployment.dvp is not None:
        say("")
        run_money_demo(platform, say)
    if platform.deployment.fund_vaults is not None:
        say("")
        run_fund_demo(platform, say)
    return {tower.symbol: tower.address, fund.symbol: fund.address}


def format_cap_table(table: CapTable, platform: Platform) -> str:
    asset = table.asset
    lines = [
        f"\nCap table of {asset.name} ({asset.symbol}) at block {table.block_number}: "
        f"{asset.display(asset.total_supply)} of {asset.display(asset.shares_authorised)} shares issued",
        f"  {'investor':<10} {'country':<7} {'wallets':>7} {'shares':>22} {'% issued':>9}",
    ]
    for entry in table.entries:
        country = "-"
        if entry.investor_id is not None:
            country = country_alpha2(platform.registry.get(entry.investor_id).country) or "?"
        lines.append(
            f"  {entry.investor_id or '(unknown)':<10} {country:<7} {len(entry.wallets):>7} "
            f"{asset.display(entry.amount):>22} {table.share_of_supply(entry):>9}"
        )
    return "\n".join(lines)
