"""Every transfer checks both parties; each refusal reverts with its reason code."""

import brownie
import pytest
from helpers import (
    INSUFFICIENT_BALANCE,
    RECEIVER_KYC_EXPIRED,
    RECEIVER_NOT_REGISTERED,
    RECEIVER_REVOKED,
    SENDER_KYC_EXPIRED,
    SENDER_NOT_REGISTERED,
    SENDER_REVOKED,
    SUCCESS,
    investor_id,
    refused,
)


@pytest.fixture(scope="module", autouse=True)
def holdings(token, alice, bob, operator):
    token.batchMint([alice, bob], [1_000, 1_000], {"from": operator})


def test_a_transfer_between_verified_investors(token, alice, bob):
    assert token.canTransfer(alice, bob, 400)
    assert token.detectTransferRestriction(alice, bob, 400) == SUCCESS
    tx = token.transfer(bob, 400, {"from": alice})
    assert dict(tx.events["Transfer"]) == {"from": alice, "to": bob, "value": 400}
    assert (token.balanceOf(alice), token.balanceOf(bob)) == (600, 1_400)


def test_to_an_unregistered_wallet(token, alice, outsider):
    assert not token.canTransfer(alice, outsider, 1)
    with refused(alice, outsider, 1, RECEIVER_NOT_REGISTERED):
        token.transfer(outsider, 1, {"from": alice})


def test_from_a_removed_wallet(token, registry, register, alice, bob, accounts, operator):
    registry.addWallet(investor_id("HK-0001"), accounts[3], {"from": operator})
    token.transfer(accounts[3], 10, {"from": alice})
    registry.removeWallet(investor_id("HK-0001"), accounts[3], {"from": operator})
    assert token.detectTransferRestriction(accounts[3], bob, 1) == SENDER_NOT_REGISTERED
    with refused(accounts[3], bob, 1, SENDER_NOT_REGISTERED):
        token.transfer(bob, 1, {"from": accounts[3]})


@pytest.mark.parametrize("revoked, code", [("HK-0001", SENDER_REVOKED), ("SG-0001", RECEIVER_REVOKED)])
def test_a_revoked_party(token, registry, alice, bob, operator, revoked, code):
    registry.revokeInvestor(investor_id(revoked), {"from": operator})
    assert token.detectTransferRestriction(alice, bob, 1) == code
    with refused(alice, bob, 1, code):
        token.transfer(bob, 1, {"from": alice})


def test_expired_kyc_refuses_sender_and_receiver(token, register, alice, accounts, chain):
    register("GB-0001", accounts[4], kyc_seconds=3600)
    token.transfer(accounts[4], 5, {"from": alice})
    chain.sleep(3700)  # a margin: Brownie's clock and the node's can differ by a second
    chain.mine()
    assert token.detectTransferRestriction(alice, accounts[4], 1) == RECEIVER_KYC_EXPIRED
    with refused(alice, accounts[4], 1, RECEIVER_KYC_EXPIRED):
        token.transfer(accounts[4], 1, {"from": alice})
    with refused(accounts[4], alice, 1, SENDER_KYC_EXPIRED):  # T-REX would let this one through
        token.transfer(alice, 1, {"from": accounts[4]})


def test_more_than_the_balance(token, alice, bob):
    assert token.detectTransferRestriction(alice, bob, 1_001) == INSUFFICIENT_BALANCE
    with brownie.reverts():
        token.transfer(bob, 1_001, {"from": alice})


def test_transfer_from_checks_the_owner_and_the_receiver(token, alice, bob, outsider):
    token.approve(outsider, 50, {"from": alice})
    with refused(alice, outsider, 50, RECEIVER_NOT_REGISTERED):
        token.transferFrom(alice, outsider, 50, {"from": outsider})
    token.transferFrom(alice, bob, 50, {"from": outsider})  # the spender need not be registered
    assert token.balanceOf(bob) == 1_050


def test_every_code_has_a_message(token):
    messages = [token.messageForTransferRestriction(code) for code in range(10)]
    assert messages[0] == "Transfer allowed"
    assert len(set(messages)) == 10
    assert token.messageForTransferRestriction(200) == "Unknown restriction"
