"""`rwakit investor show` and `kyc-expiring` read the index: as of a block, as JSON and as a table; a
window beyond ten years and an unknown investor are refused with their code."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

from tests.cli.test_cli import env, running_chain, rwakit

assert env and running_chain  # the fixtures, imported for pytest

WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def test_show_and_kyc_expiring_from_the_index(env: dict[str, str], running_chain: subprocess.Popen[str]) -> None:
    rwakit(env, "deploy")
    soon = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    later = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    rwakit(env, "investor", "register", "SOON", "--wallet", WALLET, "--country", "HK", "--kyc-expiry", soon)
    rwakit(env, "investor", "register", "LATER", "--wallet", OTHER, "--country", "SG", "--kyc-expiry", later)
    first = json.loads(rwakit(env, "investor", "show", "SOON", "--json").stdout)
    assert first["country"] == "HK" and first["verified"] and first["wallets"] == [WALLET]
    rwakit(env, "investor", "update", "SOON", "--country", "SG")
    now = rwakit(env, "investor", "show", "SOON").stdout
    assert "country SG," in now and "verified (as of block" in now
    before = json.loads(rwakit(env, "investor", "show", "SOON", "--block", str(first["as_of_block"]), "--json").stdout)
    assert before["country"] == "HK" and before["as_of_block"] == first["as_of_block"]

    listed = json.loads(rwakit(env, "investor", "kyc-expiring", "--within-days", "30", "--json").stdout)
    assert [i["investor_id"] for i in listed["investors"]] == ["SOON"] and not listed["investors"][0]["expired"]
    every = json.loads(rwakit(env, "investor", "kyc-expiring", "--within-days", "3660", "--limit", "1",
                              "--offset", "1", "--json").stdout)  # fmt: skip
    assert [i["investor_id"] for i in every["investors"]] == ["LATER"] and every["limit"] == 1
    table = rwakit(env, "investor", "kyc-expiring", "--within-days", "30").stdout
    assert "SOON" in table and "LATER" not in table and "KYC lapsing by" in table

    too_far = rwakit(env, "investor", "kyc-expiring", "--within-days", "36500", ok=False)
    assert "error [invalid_within_days]" in too_far.stderr
    assert "investor_not_found" in rwakit(env, "investor", "show", "NOBODY", ok=False).stderr
    assert "block_not_indexed" in rwakit(env, "investor", "show", "SOON", "--block", "99999999", ok=False).stderr
