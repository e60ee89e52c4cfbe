"""Pause stops holder transfers, not the issuer's mint and burn."""

import brownie
import pytest
from helpers import PAUSED, SUCCESS, refused


@pytest.fixture(scope="module", autouse=True)
def holdings(token, alice, operator):
    token.mint(alice, 1_000, {"from": operator})


def test_pause_stops_transfers(token, alice, bob, operator):
    tx = token.pause({"from": operator})
    assert tx.events["Paused"]["account"] == operator
    assert token.paused()
    assert token.detectTransferRestriction(alice, bob, 1) == PAUSED
    with refused(alice, bob, 1, PAUSED):
        token.transfer(bob, 1, {"from": alice})


def test_the_issuer_still_mints_and_burns_while_paused(token, alice, operator):
    token.pause({"from": operator})
    token.mint(alice, 5, {"from": operator})
    token.burn(alice, 3, {"from": operator})
    assert token.balanceOf(alice) == 1_002


def test_unpause_lets_transfers_resume(token, alice, bob, operator):
    token.pause({"from": operator})
    tx = token.unpause({"from": operator})
    assert "Unpaused" in tx.events
    assert token.detectTransferRestriction(alice, bob, 1) == SUCCESS
    token.transfer(bob, 1, {"from": alice})


def test_pause_and_unpause_are_not_repeated(token, operator):
    with brownie.reverts("AssetPaused: False"):
        token.unpause({"from": operator})
    token.pause({"from": operator})
    with brownie.reverts("AssetPaused: True"):
        token.pause({"from": operator})


def test_only_the_issuer_pauses(token, alice):
    with brownie.reverts():
        token.pause({"from": alice})
    assert not token.paused()


def test_snapshots_isolate_tests(token):
    """fn_isolation reverted the pauses above: every test starts from the module's state."""
    assert not token.paused()
    assert token.totalSupply() == 1_000
