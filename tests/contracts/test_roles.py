"""Who may do what on an asset: COMPLIANCE_ROLE sets rules, ISSUER_ROLE runs controls, only the
registry pushes record changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ContractRevert
from tests.contracts.erc20_behaviour import assert_reverted_with
from tests.contracts.rwa import ALICE, BOB_HOLDS, RuledAsset

ISSUER_ROLE = Web3.keccak(text="ISSUER_ROLE").to_0x_hex()
COMPLIANCE_ROLE = Web3.keccak(text="COMPLIANCE_ROLE").to_0x_hex()
MakeCall = Callable[[Contract, RuledAsset], ContractFunction]

RULE_SETTERS = [
    pytest.param(lambda t, r: t.functions.setAllowedCountries([344], True), id="setAllowedCountries"),
    pytest.param(lambda t, r: t.functions.setAllowListEnabled(True), id="setAllowListEnabled"),
    pytest.param(lambda t, r: t.functions.setBlockedCountries([344], True), id="setBlockedCountries"),
    pytest.param(lambda t, r: t.functions.setAllowedClasses(2), id="setAllowedClasses"),
    pytest.param(lambda t, r: t.functions.setLockup(2**39), id="setLockup"),
    pytest.param(lambda t, r: t.functions.setMinimumLot(10), id="setMinimumLot"),
    pytest.param(lambda t, r: t.functions.setMaxHolders(10), id="setMaxHolders"),
    pytest.param(lambda t, r: t.functions.setMaxBalance(10), id="setMaxBalance"),
]

CONTROLS = [
    pytest.param(lambda t, r: t.functions.setAddressFrozen(r.alice.address, True), id="setAddressFrozen"),
    pytest.param(lambda t, r: t.functions.batchSetAddressFrozen([r.alice.address], [True]), id="batchSetAddressFrozen"),
    pytest.param(lambda t, r: t.functions.freezePartialTokens(r.alice.address, 1), id="freezePartialTokens"),
    pytest.param(lambda t, r: t.functions.batchFreezePartialTokens([r.alice.address], [1]), id="batchFreezePartial"),
    pytest.param(lambda t, r: t.functions.unfreezePartialTokens(r.alice.address, 0), id="unfreezePartialTokens"),
    pytest.param(lambda t, r: t.functions.batchUnfreezePartialTokens([r.alice.address], [0]), id="batchUnfreeze"),
    pytest.param(lambda t, r: t.functions.setFrozenTokens(r.alice.address, 1), id="setFrozenTokens"),
    pytest.param(lambda t, r: t.functions.forcedTransfer(r.alice.address, r.bob.address, 1), id="forcedTransfer"),
    pytest.param(
        lambda t, r: t.functions.batchForcedTransfer([r.alice.address], [r.bob.address], [1]), id="batchForcedTransfer"
    ),
    pytest.param(
        lambda t, r: t.functions.recoveryAddress(
            r.alice.address, r.alice_spare.address, ALICE.encode().ljust(32, b"\0")
        ),
        id="recoveryAddress",
    ),
    pytest.param(lambda t, r: t.functions.pause(), id="pause"),
    pytest.param(lambda t, r: t.functions.mint(r.bob.address, 1), id="mint"),
    pytest.param(lambda t, r: t.functions.burn(r.alice.address, 1), id="burn"),
    pytest.param(lambda t, r: t.functions.setDocument(b"x".ljust(32, b"\0"), "ipfs://x", b"\0" * 32), id="setDocument"),
    pytest.param(lambda t, r: t.functions.removeDocument(b"x".ljust(32, b"\0")), id="removeDocument"),
]


def grant(ruled: RuledAsset, role: str, account: str) -> None:
    ruled.send(ruled.issuer, ruled.token.functions.grantRole(role, account))


def assert_denied(refused: pytest.ExceptionInfo[AccessDenied], account: str, role: str) -> None:
    assert refused.value.code == "access_denied"
    assert_reverted_with(refused, "AccessControlUnauthorizedAccount", account=account, neededRole=role)


def test_the_creator_holds_the_compliance_role(ruled: RuledAsset) -> None:
    assert "0x" + ruled.token.functions.COMPLIANCE_ROLE().call().hex() == COMPLIANCE_ROLE
    assert ruled.token.functions.hasRole(COMPLIANCE_ROLE, ruled.issuer.address).call()


@pytest.mark.parametrize("make_call", RULE_SETTERS)
def test_a_rule_setter_needs_the_compliance_role(ruled: RuledAsset, make_call: MakeCall) -> None:
    agent = ruled.newcomer
    grant(ruled, ISSUER_ROLE, agent.address)  # an issuer's agent is not a compliance officer
    with pytest.raises(AccessDenied) as refused:
        ruled.send(agent, make_call(ruled.token, ruled))
    assert_denied(refused, agent.address, COMPLIANCE_ROLE)


@pytest.mark.parametrize("make_call", RULE_SETTERS)
def test_a_granted_compliance_officer_can_set_rules(ruled: RuledAsset, make_call: MakeCall) -> None:
    officer = ruled.newcomer
    grant(ruled, COMPLIANCE_ROLE, officer.address)
    assert ruled.send(officer, make_call(ruled.token, ruled))["status"] == 1


@pytest.mark.parametrize("make_call", CONTROLS)
def test_a_control_needs_the_issuer_role(ruled: RuledAsset, make_call: MakeCall) -> None:
    officer = ruled.newcomer
    grant(ruled, COMPLIANCE_ROLE, officer.address)  # a compliance officer is not an agent
    with pytest.raises(AccessDenied) as refused:
        ruled.send(officer, make_call(ruled.token, ruled))
    assert_denied(refused, officer.address, ISSUER_ROLE)


def test_a_holder_cannot_force_a_transfer_from_another_holder(ruled: RuledAsset) -> None:
    with pytest.raises(AccessDenied) as refused:
        ruled.send(ruled.alice, ruled.token.functions.forcedTransfer(ruled.bob.address, ruled.alice.address, 1))
    assert_denied(refused, ruled.alice.address, ISSUER_ROLE)


def test_a_granted_agent_can_run_controls_through_the_raw_contract(ruled: RuledAsset) -> None:
    agent = ruled.newcomer
    grant(ruled, ISSUER_ROLE, agent.address)
    ruled.send(agent, ruled.token.functions.forcedTransfer(ruled.alice.address, ruled.bob.address, 1))
    assert ruled.balance(ruled.bob) == BOB_HOLDS + 1


def test_sync_wallet_accepts_only_the_registry(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, ruled.token.functions.syncWallet(ruled.alice.address, 0))
    assert_reverted_with(refused, "AssetOnlyRegistry", caller=ruled.issuer.address)
    assert ruled.restriction(ruled.alice, ruled.bob, 1) == Restriction.SUCCESS
