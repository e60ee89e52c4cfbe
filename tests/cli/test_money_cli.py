"""`rwakit cash`, `rwakit trade` and `rwakit distribution` end to end on a chain in the background."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.test_cli import env, running_chain, rwakit

__all__ = ["env", "running_chain"]

# The local chain's funded accounts 1 and 2 (rwakit holds their dev keys).
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def test_cash_trades_and_distributions_through_the_cli(
    env: dict[str, str], running_chain: subprocess.Popen[str], tmp_path: Path
) -> None:
    deployed = rwakit(env, "deploy").stdout
    assert "(test coin)" in deployed and "dvp " in deployed
    for investor, wallet in (("HK-0001", ALICE), ("HK-0002", BOB)):
        rwakit(env, "investor", "register", investor, "--wallet", wallet, "--country", "HK",
               "--class", "professional", "--kyc-expiry", "2099-01-01")  # fmt: skip
    rwakit(env, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000000")
    rwakit(env, "issue", "HVT", "HK-0001", "100")
    rwakit(env, "cash", "mint", "HK-0002", "50000.25")
    assert rwakit(env, "cash", "balance", "HK-0002").stdout.strip() == "50000.25 HKD"
    assert "invalid_amount" in rwakit(env, "cash", "mint", "HK-0002", "1e3", ok=False).stderr

    proposed = rwakit(
        env, "trade", "propose", "HVT", "10", "12500", "--side", "sell", "--as", "HK-0001", "--to", "HK-0002"
    )
    assert "proposed  10 HVT for 12500 HKD" in proposed.stdout
    stranger = rwakit(env, "trade", "accept", "1", "--as", "0x" + "11" * 20, ok=False).stderr
    assert "error [no_key_for_wallet]" in stranger
    rwakit(env, "trade", "accept", "1", "--as", "HK-0002")
    assert "settled" in rwakit(env, "trade", "settle", "1", "--as", "HK-0001").stdout
    assert rwakit(env, "cash", "balance", "HK-0001").stdout.strip() == "12500 HKD"
    settled = rwakit(env, "trade", "list", "--status", "settled").stdout.splitlines()
    assert settled[-1].split()[:5] == ["1", "settled", "10", "HVT", "12500"]
    listed = json.loads(rwakit(env, "trade", "list", "--json").stdout)
    assert [(t["id"], t["status"], t["quantity"], t["price"], t["currency"]) for t in listed] == [
        (1, "settled", "10", "12500", "HKD")
    ]
    assert rwakit(env, "trade", "list", "--status", "proposed").stdout.strip() == "no trades"
    assert json.loads(rwakit(env, "trade", "list", "--status", "proposed", "--json").stdout) == []
    assert "trade_not_found" in rwakit(env, "trade", "settle", "7", ok=False).stderr
    rwakit(env, "trade", "propose", "HVT", "1", "100", "--side", "sell", "--as", "HK-0001")  # open: for the desk
    rwakit(env, "trade", "propose", "HVT", "1", "100", "--side", "buy", "--as", "HK-0002")
    rwakit(env, "trade", "propose", "HVT", "2", "100", "--side", "buy", "--as", "HK-0002")
    assert "DvPMismatch" in rwakit(env, "trade", "match", "2", "4", ok=False).stderr  # not the same quantity
    assert "trade_not_found" in rwakit(env, "trade", "match", "2", "9", ok=False).stderr
    assert "accepted" in rwakit(env, "trade", "match", "2", "3").stdout  # the operator is the desk
    rwakit(env, "trade", "settle", "2")
    rwakit(env, "trade", "cancel", "4", "--as", "HK-0002")

    rwakit(env, "cash", "mint", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "1000")  # the issuer (operator)
    early = rwakit(env, "distribution", "create", "HVT", "1", "--record-date", "2000-01-01", ok=False).stderr
    assert "record_date_too_early" in early
    assert "record_date_in_future" in rwakit(env, "distribution", "create", "HVT", "1", "--record-date", "9999-12-31",
                                             ok=False).stderr  # fmt: skip
    tree = tmp_path / "tree.json"
    created = rwakit(env, "distribution", "create", "HVT", "999.999999", "--tree-out", str(tree)).stdout
    assert "funded 999.999998 of 999.999999 HKD (remainder kept 0.000001)" in created
    assert json.loads(tree.read_text())["format"] == "standard-v1"
    paid = rwakit(env, "distribution", "claim", "1", "HK-0002").stdout
    assert paid.startswith("paid 109.999999 HKD to " + BOB)  # 11 of 100 shares
    again = rwakit(env, "distribution", "claim", "1", "HK-0002", ok=False).stderr
    assert "DistributionAlreadyClaimed" in again
    assert "DistributionOpen" in rwakit(env, "distribution", "reclaim", "1", ok=False).stderr
    assert "claimed 109.999999" in rwakit(env, "distribution", "list").stdout
    pushed = rwakit(env, "distribution", "push", "1").stdout  # the issuer pays HK-0001, who did not claim
    assert "claimed 999.999998" in pushed and "in 1 transaction(s)" in pushed
    assert "paid already" in rwakit(env, "distribution", "push", "1").stdout
