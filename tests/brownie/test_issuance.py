"""Minting to verified and unverified wallets, the authorised-shares cap, batches all or nothing."""

import brownie
from helpers import (
    EXCEEDS_AUTHORISED,
    RECEIVER_KYC_EXPIRED,
    RECEIVER_NOT_REGISTERED,
    RECEIVER_REVOKED,
    investor_id,
    refused,
)

ZERO = "0x0000000000000000000000000000000000000000"


def test_mint_to_a_verified_investor(token, alice, operator):
    tx = token.mint(alice, 12_500_000, {"from": operator})

    assert tx.events["Transfer"]["from"] == ZERO and tx.events["Transfer"]["value"] == 12_500_000
    assert token.balanceOf(alice) == 12_500_000
    assert token.totalSupply() == 12_500_000


def test_mint_to_an_unverified_wallet_is_refused(token, outsider, operator):
    assert token.detectTransferRestriction(ZERO, outsider, 1) == RECEIVER_NOT_REGISTERED
    with refused(ZERO, outsider, 1, RECEIVER_NOT_REGISTERED):
        token.mint(outsider, 1, {"from": operator})
    assert token.totalSupply() == 0


def test_mint_to_a_revoked_or_expired_investor_is_refused(token, registry, register, accounts, operator, chain):
    register("HK-0009", accounts[5], kyc_seconds=3600)
    registry.revokeInvestor(investor_id("HK-0009"), {"from": operator})
    with refused(ZERO, accounts[5], 1, RECEIVER_REVOKED):
        token.mint(accounts[5], 1, {"from": operator})

    registry.reinstateInvestor(investor_id("HK-0009"), {"from": operator})
    chain.sleep(3700)  # a margin: Brownie's clock and the node's can differ by a second
    chain.mine()
    with refused(ZERO, accounts[5], 1, RECEIVER_KYC_EXPIRED):
        token.mint(accounts[5], 1, {"from": operator})


def test_mint_stops_at_the_authorised_shares(create_asset, alice, operator):
    small = create_asset("SML", shares_authorised=100)
    small.mint(alice, 100, {"from": operator})
    assert small.detectTransferRestriction(ZERO, alice, 1) == EXCEEDS_AUTHORISED
    with brownie.reverts("AssetExceedsAuthorised: 100, 1, 100"):
        small.mint(alice, 1, {"from": operator})


def test_only_the_issuer_mints(token, alice):
    with brownie.reverts():
        token.mint(alice, 1, {"from": alice})


def test_batch_mint_issues_to_every_wallet(token, alice, bob, operator):
    token.batchMint([alice, bob], [100, 250], {"from": operator})
    assert (token.balanceOf(alice), token.balanceOf(bob), token.totalSupply()) == (100, 250, 350)


def test_batch_mint_is_all_or_nothing(token, alice, bob, outsider, operator):
    with refused(ZERO, outsider, 3, RECEIVER_NOT_REGISTERED):
        token.batchMint([alice, bob, outsider], [1, 2, 3], {"from": operator})
    assert token.balanceOf(alice) == token.balanceOf(bob) == token.totalSupply() == 0


def test_batch_lengths_must_match(token, alice, operator):
    with brownie.reverts("AssetBatchLengthMismatch: "):
        token.batchMint([alice], [1, 2], {"from": operator})


def test_burn_checks_no_party(token, registry, alice, operator):
    token.mint(alice, 10, {"from": operator})
    registry.revokeInvestor(investor_id("HK-0001"), {"from": operator})
    token.burn(alice, 4, {"from": operator})
    assert token.balanceOf(alice) == 6


def test_batch_burn_is_all_or_nothing(token, alice, bob, operator):
    token.batchMint([alice, bob], [100, 100], {"from": operator})
    with brownie.reverts(f"ERC20InsufficientBalance: {str(bob).lower()}, 100, 101"):
        token.batchBurn([alice, bob], [50, 101], {"from": operator})
    assert token.balanceOf(alice) == token.balanceOf(bob) == 100
    token.batchBurn([alice, bob], [50, 100], {"from": operator})
    assert token.totalSupply() == 50
