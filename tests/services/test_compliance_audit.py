"""Compliance rule changes made from Python are recorded in the platform's audit trail by
ComplianceService itself, like issuer controls: actor, action, asset, reason, details, transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.errors import RwakitError
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from rwakit.tokenize.audit import MemoryAuditLog, acting_as
from rwakit.tokenize.compliance import ComplianceService

LOCKUP = datetime(2031, 6, 30, 8, tzinfo=timezone(timedelta(hours=8)))
Change = Callable[[ComplianceService], TxReceipt]

# each rule change, the action it is audited as and the details it records (amounts in base units)
CHANGES: list[tuple[Change, str, dict[str, Any]]] = [
    (lambda c: c.allow_countries("KLP", ["HK", "SGP", 826]), "allow_countries", {"countries": ["HK", "SG", "GB"]}),
    (lambda c: c.allow_countries("KLP", ["HK"], allowed=False), "disallow_countries", {"countries": ["HK"]}),
    (lambda c: c.enable_allow_list("KLP"), "enable_allow_list", {}),
    (lambda c: c.enable_allow_list("KLP", enabled=False), "disable_allow_list", {}),
    (lambda c: c.block_countries("KLP", ["KP", 999]), "block_countries", {"countries": ["KP", "999"]}),
    (lambda c: c.block_countries("KLP", ["KP"], blocked=False), "unblock_countries", {"countries": ["KP"]}),
    (
        lambda c: c.allow_classes("KLP", ["professional", 2]),
        "set_allowed_classes",
        {"classes": ["professional", "institutional"]},
    ),
    (lambda c: c.set_lockup("KLP", LOCKUP), "set_lockup", {"until": "2031-06-30T08:00:00+08:00"}),
    (lambda c: c.set_lockup("KLP", 1_900_000_000), "set_lockup", {"until": "2030-03-17T17:46:40+00:00"}),
    (lambda c: c.set_lockup("KLP", None), "set_lockup", {"until": None}),
    (lambda c: c.set_minimum_lot("KLP", "0.5"), "set_minimum_lot", {"amount": 50}),
    (lambda c: c.set_max_holders("KLP", 50), "set_max_holders", {"max_holders": 50}),
    (lambda c: c.set_max_holders("KLP", None), "set_max_holders", {"max_holders": None}),
    (lambda c: c.set_max_balance("KLP", "1000"), "set_max_balance", {"amount": 100_000}),
    (lambda c: c.set_max_balance("KLP", None), "set_max_balance", {"amount": None}),
]


@pytest.fixture
def audit() -> MemoryAuditLog:
    return MemoryAuditLog()


@pytest.fixture
def audited(chain: Chain, platform: Platform, audit: MemoryAuditLog) -> Platform:
    """The session's deployment opened with its own audit log, and an asset KLP (2 decimals)."""
    opened = Platform.open(chain, platform.deployment, audit=audit)
    opened.assets.create(AssetSpec("Kowloon Logistics Park", "KLP", 2, "property", "1000000", investor_limits=True))
    return opened


@pytest.mark.parametrize("change, action, details", CHANGES, ids=[f"{i}-{row[1]}" for i, row in enumerate(CHANGES)])
def test_each_rule_change_is_audited_with_actor_action_details_and_tx_hash(
    audited: Platform, audit: MemoryAuditLog, chain: Chain, change: Change, action: str, details: dict[str, Any]
) -> None:
    receipt = change(audited.compliance)
    (entry,) = audit.entries()
    assert (entry.actor, entry.action, entry.asset) == (chain.operator.address, action, receipt["to"])
    assert entry.asset == audited.assets.resolve("KLP")
    assert (entry.reason, entry.details) == ("", details)
    assert entry.tx_hash == receipt["transactionHash"].to_0x_hex()
    assert datetime.now(UTC) - entry.at < timedelta(minutes=1)


def test_a_rule_change_records_its_reason_and_the_actor_it_is_taken_for(audited: Platform) -> None:
    with acting_as("api-key:1a2b3c4d (compliance) officer"):
        receipt = audited.compliance.block_countries("KLP", ["US"], reason="sanctions list 2026-11")
    (entry,) = audited.controls.audit_trail("KLP")  # one trail for controls and rule changes
    assert (entry.actor, entry.reason) == ("api-key:1a2b3c4d (compliance) officer", "sanctions list 2026-11")
    assert entry.tx_hash == receipt["transactionHash"].to_0x_hex()


def test_a_refused_rule_change_is_not_audited(audited: Platform, audit: MemoryAuditLog) -> None:
    audited.assets.create(AssetSpec("No Limits Fund", "NLF", 0, "fund", "1000"))  # no investor totals kept
    with pytest.raises(RwakitError):
        audited.compliance.set_max_holders("NLF", 10, reason="fund terms")
    with pytest.raises(RwakitError):
        audited.compliance.block_countries("KLP", [], reason="nothing named")
    assert audit.entries() == []
