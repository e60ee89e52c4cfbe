"""bench/settlement.py kept runnable: mypy and the suite do not otherwise reach bench/, and it once crashed
on a signer API that had moved. Imports the bench, builds its signers and prints its report from canned
measurements (the shape `Bench.run` returns), in well under a second; the chain part runs with `make bench`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

CANNED: dict[str, Any] = {
    "transfer": 37449,
    "erc20_transfer": 34440,
    "budget": 111889,
    "trade": {"approve": 46000, "propose": 129419, "accept": 84749, "settle": 66300},
    "trade_with_fee": {"approve": 29000, "propose": 129419, "accept": 67649, "settle": 76199},
    "locks": {"freeze": 31000, "unfreeze": 9000, "escrow_new": 60000, "escrow_existing": 40000},
    "creation": {10: 151416, 1000: 151416, 10000: 151416},
    "claims_no_hkd": [103387, 87036, 86289],
    "claims_holding_hkd": [69211, 64199, 63944],
    "claims_access_list": [68000, 63300, 63100],
    "tree_seconds": 0.79,
    "trex_dvd": {"initiate": 193819, "take": 238319},
}


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))  # as when the script runs: its siblings (gas, trex) import by name
    try:
        yield importlib.import_module("settlement")
    finally:
        sys.path.remove(str(BENCH))


def test_the_bench_builds_its_signers(bench: ModuleType) -> None:
    signers = bench.dev_signers()
    assert len(signers) == 10 and len({s.address for s in signers}) == 10


def test_the_report_prints_every_row_from_canned_measurements(bench: ModuleType) -> None:
    text = bench.report(CANNED, "anvil/test")
    assert text.startswith("Money leg on anvil/test")
    assert "| DvP settle, no fee" in text and "66,300" in text
    assert "claim, median, holder already holding HKD (3)" in text and "64,199" in text
    assert "claim, median of all 6" in text
    assert "| lock by freezing: freezePartialTokens (accept)" in text and "31,000" in text
    assert "Distribution creation flat across register sizes: yes" in text
