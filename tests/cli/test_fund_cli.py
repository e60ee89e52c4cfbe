"""`rwakit fund ...` end to end on a chain in the background: open a vault, NAV, subscribe, settle after the
cut-off, claim, redeem and cancel; refusals as `error [code]`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from web3 import HTTPProvider, Web3

from tests.cli.test_cli import env, running_chain, rwakit

__all__ = ["env", "running_chain"]

OPERATOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the cash account: rwakit holds its key
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
FEES = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"


def as_json(env: dict[str, str], *args: str) -> dict[str, object]:
    return dict(json.loads(rwakit(env, *args, "--json").stdout))


def error(env: dict[str, str], *args: str) -> str:
    return rwakit(env, *args, ok=False).stderr


def test_a_fund_deals_through_the_cli(env: dict[str, str], running_chain: subprocess.Popen[str]) -> None:
    rwakit(env, "deploy")
    for investor, wallet in (("HK-0001", ALICE), ("HK-0002", BOB)):
        rwakit(env, "investor", "register", investor, "--wallet", wallet, "--country", "HK",
               "--class", "professional", "--kyc-expiry", "2099-01-01")  # fmt: skip
    rwakit(env, "asset", "create", "--name", "Harbour Money Market Fund", "--symbol", "HMMF", "--shares", "1000000",
           "--decimals", "4", "--kind", "fund")  # fmt: skip
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000")
    opening = ("--nav", "10", "--cash-account", OPERATOR, "--fee-account", FEES, "--subscription-fee-bps", "50",
               "--min-subscription", "1000")  # fmt: skip
    assert "error [not_a_fund]" in error(env, "fund", "open", "HVT", *opening)
    assert "error [invalid_cutoff]" in error(env, "fund", "open", "HMMF", *opening, "--cutoff", "5pm")
    assert "error [no_vault]" in error(env, "fund", "show", "HMMF")
    opened = as_json(env, "fund", "open", "HMMF", *opening)
    assert opened["cash_approved"] is True and opened["cutoff"] == "09:00 UTC"
    assert "error [vault_exists]" in error(env, "fund", "open", "HMMF", *opening)

    rwakit(env, "cash", "mint", "HK-0001", "20000")
    assert "error [below_minimum]" in error(env, "fund", "subscribe", "HMMF", "999.99", "--as", "HK-0001")
    assert "error [insufficient_cash]" in error(env, "fund", "subscribe", "HMMF", "5000", "--as", "HK-0002")
    assert "error [no_key_for_wallet]" in error(env, "fund", "subscribe", "HMMF", "5000", "--as", "0x" + "11" * 20)
    pending = as_json(env, "fund", "subscribe", "HMMF", "10000", "--as", "HK-0001")
    assert pending["subscription"] == {"pending": "10000", "day": opened["open_day"], "claimable_cash": "0",
                                       "claimable_shares": "0", "cancelled": "0", "refunded": "0"}  # fmt: skip
    assert "error [dealing_day_open]" in error(env, "fund", "settle", "HMMF", "--day", str(opened["open_day"]))
    assert "error [invalid_day]" in error(env, "fund", "settle", "HMMF", "--day", "tomorrow")

    node = json.loads((Path(env["RWAKIT_DATA_DIR"]) / "node.json").read_text())
    w3 = Web3(HTTPProvider(node["url"]))
    w3.provider.make_request("evm_increaseTime", [24 * 3600])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert "error [nav_before_cutoff]" in error(env, "fund", "settle", "HMMF")
    assert "error [invalid_nav]" in error(env, "fund", "nav", "publish", "HMMF", "10.0000000000000000001")
    assert "error [access_denied]" in error(env, "fund", "nav", "publish", "HMMF", "10.01", "--as", "HK-0001")
    assert as_json(env, "fund", "nav", "publish", "HMMF", "10.01")["status"] == "accepted"
    settled = as_json(env, "fund", "settle", "HMMF")
    assert settled == {"day": opened["open_day"], "settled": True, "nav": "10.01", "subscriptions": "10000",
                       "subscription_fees": "50", "redemptions": "0"}  # fmt: skip
    assert "error [dealing_day_settled]" in error(env, "fund", "settle", "HMMF", "--day", str(opened["open_day"]))
    assert "error [invalid_day]" in error(env, "fund", "settle", "HMMF", "--day", "1970-01-01")  # before the vault

    # the index's dealing days: 994.0059 shares at 10.01 are worth 9,949.999059 of the 9,950 net
    assert as_json(env, "fund", "days", "HMMF")["days"] == [
        {"day": opened["open_day"], "settled": True, "nav": "10.01", "subscriptions": "10000",
         "subscription_fees": "50", "shares": "994.0059", "refunded": "0", "dust": "0.000941", "redemptions": "0",
         "redemption_cash": "0", "redemption_fees": "0", "redemption_dust": "0"}
    ]  # fmt: skip
    assert "0.000941" in rwakit(env, "fund", "days", "HMMF").stdout
    assert "error [fund_not_found]" in error(env, "fund", "days", "HVT")

    shown = as_json(env, "fund", "show", "HMMF", "HK-0001")
    assert shown["subscription"]["claimable_shares"] == "994.0059"  # type: ignore[index]
    assert "claimed subscription: 994.0059 shares" in rwakit(env, "fund", "claim", "HMMF", "--as", "HK-0001").stdout
    assert rwakit(env, "fund", "claim", "HMMF", "--as", "HK-0001").stdout.strip() == "nothing to claim"
    assert "error [nothing_to_claim]" in error(env, "fund", "claim", "HMMF", "--as", "HK-0001", "--side",
                                               "subscription")  # fmt: skip

    redeeming = as_json(env, "fund", "redeem", "HMMF", "100", "--as", "HK-0001")
    assert redeeming["shares"] == "894.0059" and redeeming["redemption"]["pending"] == "100"  # type: ignore[index]
    assert "error [shares_unavailable]" in error(env, "fund", "redeem", "HMMF", "5000", "--as", "HK-0001")
    assert as_json(env, "fund", "cancel", "HMMF", "--side", "redemption", "--as", "HK-0001")["shares"] == "994.0059"
    assert "error [nothing_pending]" in error(env, "fund", "cancel", "HMMF", "--side", "redemption", "--as", "HK-0001")

    history = rwakit(env, "fund", "nav", "show", "HMMF", "--history").stdout.splitlines()
    assert len(history) == 2 and "10.01" in history[1]
    assert "error [invalid_fee]" in error(env, "fund", "terms", "HMMF", "--redemption-fee-bps", "2000")
    changed = as_json(env, "fund", "terms", "HMMF", "--min-subscription", "5", "--min-redemption", "0.5")
    assert (changed["min_subscription"], changed["min_redemption"], changed["subscription_fee_bps"]) == ("5", "0.5", 50)
    assert "min_subscription: 5" in rwakit(env, "fund", "show", "HMMF").stdout
