"""What an adversary found (issue 10), each with the calls that found it: every test failed before its fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError, ContractRevert, InvalidInput
from tests.conftest import investor
from tests.contracts.erc20_behaviour import ZERO_ADDRESS, assert_reverted_with
from tests.contracts.rwa import (
    ALICE,
    ALICE_HOLDS,
    BOB,
    BOB_HOLDS,
    REASON,
    SHARE,
    RuledAsset,
    assert_transfer_allowed,
    assert_transfer_refused,
)

HUGE = [2**256 - 1, 2**256 - ALICE_HOLDS, 2**255, 2**96, 2**96 - 1]


# == 1. a forced transfer from a wallet to itself released its frozen shares ======================


def test_a_forced_transfer_to_the_same_wallet_is_refused_on_chain(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 60 * SHARE, reason="pledge")
    call = ruled.token.functions.forcedTransfer(ruled.alice.address, ruled.alice.address, ALICE_HOLDS)
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, call)
    assert_reverted_with(refused, "AssetForcedTransferToSelf", account=ruled.alice.address)
    assert (ruled.balance(ruled.alice), ruled.frozen(ruled.alice)) == (ALICE_HOLDS, 60 * SHARE)
    unfrozen = ALICE_HOLDS - 60 * SHARE
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, unfrozen + 1, Restriction.INSUFFICIENT_UNFROZEN_BALANCE)


def test_a_batch_forced_transfer_naming_one_wallet_twice_in_a_row_is_refused(ruled: RuledAsset) -> None:
    call = ruled.token.functions.batchForcedTransfer(
        [ruled.bob.address, ruled.alice.address], [ruled.carol.address, ruled.alice.address], [1, 1]
    )
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, call)
    assert refused.value.error == "AssetForcedTransferToSelf"
    assert ruled.balance(ruled.carol) == 0  # nothing half-done


def test_the_python_services_refuse_a_forced_transfer_to_the_same_wallet_before_sending(ruled: RuledAsset) -> None:
    controls, alice = ruled.platform.controls, ruled.alice.address
    audited = len(controls.audit_trail("KLP"))
    acts: tuple[Callable[[], object], ...] = (
        lambda: controls.forced_transfer("KLP", alice, alice, 1, reason=REASON),
        lambda: controls.forced_transfer_batch(
            "KLP", [(ruled.bob.address, alice, 1), (alice, alice, 1)], reason=REASON
        ),
    )
    for act in acts:
        with pytest.raises(InvalidInput) as refused:
            act()
        assert refused.value.code == "forced_transfer_to_self"
    assert len(controls.audit_trail("KLP")) == audited


# == 2. a revocation was undone by handing the wallet to someone else ==============================


def reassign_alices_wallet(ruled: RuledAsset) -> None:
    """revokeInvestor(A); removeWallet(A1); registerInvestor(Z, [A1])."""
    registry = ruled.platform.registry
    registry.revoke(ALICE)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_REVOKED)
    registry.remove_wallet(ruled.alice.address)
    registry.register(investor(ruled.chain, "ZED", ruled.alice, country="SG"))


def test_a_reassigned_wallet_cannot_send_the_shares_of_its_former_investor(ruled: RuledAsset) -> None:
    reassign_alices_wallet(ruled)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_WALLET_REASSIGNED)
    assert not ruled.token.functions.canSend(ruled.alice.address).call()
    assert ruled.investor_balance(BOB) == BOB_HOLDS


def test_a_reassigned_wallets_shares_still_move_by_forced_transfer(ruled: RuledAsset) -> None:
    reassign_alices_wallet(ruled)
    ruled.platform.controls.forced_transfer("KLP", ruled.alice.address, ruled.bob.address, ALICE_HOLDS, reason=REASON)
    assert (ruled.balance(ruled.alice), ruled.balance(ruled.bob)) == (0, ALICE_HOLDS + BOB_HOLDS)
    assert ruled.holders() == 1
    # Emptied, the wallet now holds nothing of anyone's: its new investor may use it.
    ruled.issue(ruled.alice, SHARE)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


def test_a_reassigned_wallets_shares_still_move_by_recovery(ruled: RuledAsset) -> None:
    reassign_alices_wallet(ruled)
    ruled.platform.controls.recover_wallet(
        "KLP", ruled.alice.address, ruled.alice_spare.address, ALICE, reason="wallet taken over"
    )
    assert ruled.balance(ruled.alice_spare) == ALICE_HOLDS


# == 3. canTransfer and detectTransferRestriction reverted for huge amounts =========================


@pytest.mark.parametrize("amount", HUGE, ids=[hex(a)[:8] for a in HUGE])
def test_the_views_never_revert_whatever_the_amount(ruled: RuledAsset, amount: int) -> None:
    token = ruled.token.functions
    ruled.platform.compliance.set_max_balance("KLP", 10**6)
    assert ruled.restriction(ruled.alice, ruled.bob, amount) == Restriction.INSUFFICIENT_BALANCE
    assert ruled.restriction(None, ruled.bob, amount) == Restriction.EXCEEDS_AUTHORISED
    assert not token.canTransfer(ruled.alice.address, ruled.bob.address, amount).call()  # over the max balance
    assert not token.canTransfer(ZERO_ADDRESS, ruled.bob.address, amount).call()


@pytest.mark.parametrize("amount", HUGE, ids=[hex(a)[:8] for a in HUGE])
def test_minting_a_huge_amount_reverts_exceeds_authorised_not_a_panic(ruled: RuledAsset, amount: int) -> None:
    with pytest.raises(ComplianceError) as refused:
        ruled.send(ruled.issuer, ruled.token.functions.mint(ruled.bob.address, amount))
    assert_reverted_with(refused, "AssetExceedsAuthorised", supply=ruled.supply(), amount=amount,
                         authorised=ruled.token.functions.sharesAuthorised().call())  # fmt: skip


def test_can_transfer_ignores_the_plain_balance_but_not_the_frozen_shares(ruled: RuledAsset) -> None:
    """ERC-7943 (Final): canTransfer checks the amount against the unfrozen balance and MUST NOT return
    false on plain balance checks; detectTransferRestriction (ERC-1404) still reports code 8."""
    can = ruled.can_transfer
    assert can(ruled.alice, ruled.bob, 2**256 - 1)
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 60 * SHARE, reason="pledge")
    unfrozen = ALICE_HOLDS - 60 * SHARE
    assert can(ruled.alice, ruled.bob, unfrozen) and not can(ruled.alice, ruled.bob, unfrozen + 1)
    assert not can(ruled.alice, ruled.bob, 2**256 - 1)
    ruled.platform.controls.set_frozen_tokens("KLP", ruled.alice.address, 2 * ALICE_HOLDS, reason="order")
    assert can(ruled.alice, ruled.bob, 0) and not can(ruled.alice, ruled.bob, 1)


def test_can_transfer_applies_can_send_and_can_receive(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.bob.address, reason="aml")
    assert not ruled.can_transfer(ruled.alice, ruled.bob, 1)  # canReceive(bob) is false
    assert not ruled.can_transfer(ruled.bob, ruled.alice, 1)  # canSend(bob) is false


# == 5. freezePartialTokens accepted more than the balance ========================================


def test_freeze_partial_tokens_is_capped_at_the_unfrozen_balance(ruled: RuledAsset) -> None:
    controls, bob = ruled.platform.controls, ruled.bob.address
    with pytest.raises(ContractRevert) as refused:
        controls.freeze_tokens("KLP", bob, BOB_HOLDS + 1, reason="pledge")
    assert_reverted_with(refused, "AssetFreezeExceedsBalance", account=bob, amount=BOB_HOLDS + 1, unfrozen=BOB_HOLDS)
    controls.freeze_tokens("KLP", bob, BOB_HOLDS - 1, reason="pledge")
    with pytest.raises(ContractRevert) as refused:
        controls.freeze_tokens("KLP", bob, 2, reason="pledge")
    assert_reverted_with(refused, "AssetFreezeExceedsBalance", account=bob, amount=2, unfrozen=1)
    assert ruled.frozen(ruled.bob) == BOB_HOLDS - 1


def test_nothing_is_frozen_silently_after_a_forced_transfer_empties_a_wallet(ruled: RuledAsset) -> None:
    controls = ruled.platform.controls
    controls.freeze_tokens("KLP", ruled.bob.address, BOB_HOLDS, reason="pledge")
    controls.forced_transfer("KLP", ruled.bob.address, ruled.alice.address, BOB_HOLDS, reason=REASON)
    assert (ruled.balance(ruled.bob), ruled.frozen(ruled.bob)) == (0, 0)
    ruled.transfer(ruled.alice, ruled.bob, SHARE)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice, SHARE)  # what it receives next is free


# == 7. forcedTransfer from the zero address ======================================================


@pytest.mark.parametrize("amount", [0, 1])
def test_a_forced_transfer_from_the_zero_address_is_refused(ruled: RuledAsset, amount: int) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, ruled.token.functions.forcedTransfer(ZERO_ADDRESS, ruled.bob.address, amount))
    assert_reverted_with(refused, "ERC20InvalidSender", sender=ZERO_ADDRESS)
    assert ruled.supply() == ALICE_HOLDS + BOB_HOLDS


def test_a_transfer_of_frozen_shares_reverts_with_erc7943s_own_error(ruled: RuledAsset) -> None:
    """ERC-7943: a transfer within the balance but beyond the unfrozen balance SHOULD revert
    ERC7943InsufficientUnfrozenBalance(account, amount, unfrozen); it is still reason 12 in Python."""
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 60 * SHARE, reason="pledge")
    unfrozen = ALICE_HOLDS - 60 * SHARE
    with pytest.raises(ComplianceError) as refused:
        ruled.transfer(ruled.alice, ruled.bob, unfrozen + 1)
    assert refused.value.reason_code == Restriction.INSUFFICIENT_UNFROZEN_BALANCE
    assert_reverted_with(refused, "ERC7943InsufficientUnfrozenBalance", account=ruled.alice.address,
                         amount=unfrozen + 1, unfrozen=unfrozen)  # fmt: skip
