"""Issuer controls on Anvil through platform.controls (and raw calls where the service does not reach):
freezes, partial freezes, forced transfers, wallet recovery, pause, redemption, batches, audit trail.
Each control's main case (marked every_chain) also runs on Ganache and the in-process chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3.types import TxReceipt

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError, ContractRevert, InvalidInput
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from rwakit.tokenize.controls import ControlsService
from rwakit.units import investor_id_to_bytes32
from tests.conftest import advance_time, now
from tests.contracts.erc20_behaviour import ZERO_ADDRESS, assert_reverted_with
from tests.contracts.rwa import (
    ALICE,
    ALICE_HOLDS,
    BOB,
    BOB_HOLDS,
    CAROL,
    REASON,
    SHARE,
    RuledAsset,
    assert_compliance_error,
    assert_issue_refused,
    assert_transfer_allowed,
    assert_transfer_refused,
)

DAY = 24 * 3600


def forced(ruled: RuledAsset, sender: str, to: str, amount: int) -> None:
    ruled.platform.controls.forced_transfer("KLP", sender, to, amount, reason=REASON)


# == freeze a wallet ===========================================================================


@pytest.mark.every_chain
def test_a_frozen_wallet_cannot_send(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="suspected fraud")
    assert ruled.token.functions.isFrozen(ruled.alice.address).call()
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_FROZEN)


@pytest.mark.every_chain
def test_a_frozen_wallet_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.bob.address, reason="suspected fraud")
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.RECEIVER_FROZEN)
    assert_issue_refused(ruled, ruled.bob, SHARE, Restriction.RECEIVER_FROZEN)


def test_freezing_one_wallet_leaves_the_investors_other_wallets_free(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.bob.address, reason="lost device")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob_spare, SHARE)


def test_freeze_wallet_emits_address_frozen(ruled: RuledAsset) -> None:
    receipt = ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="x")
    assert ruled.events("AddressFrozen", receipt) == [
        {"userAddress": ruled.alice.address, "isFrozen": True, "owner": ruled.issuer.address}
    ]


def test_an_unfrozen_wallet_can_send_and_receive_again(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="x")
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="cleared", frozen=False)
    assert not ruled.token.functions.isFrozen(ruled.alice.address).call()
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice, SHARE)


def test_freeze_wallets_freezes_every_wallet_of_the_batch(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallets("KLP", [ruled.alice.address, ruled.bob.address], reason="x")
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.SENDER_FROZEN)
    assert_transfer_refused(ruled, ruled.bob, ruled.carol, SHARE, Restriction.SENDER_FROZEN)


def test_the_issuer_can_burn_from_a_frozen_wallet(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="x")
    ruled.platform.controls.redeem("KLP", ruled.alice.address, SHARE, reason="redemption")
    assert ruled.balance(ruled.alice) == ALICE_HOLDS - SHARE


# == freeze part of a balance ==================================================================


def test_partly_frozen_shares_stay_and_the_rest_can_move(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 600 * SHARE, reason="margin call")
    assert ruled.frozen(ruled.alice) == 600 * SHARE
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, 400 * SHARE)
    assert ruled.frozen(ruled.alice) == 600 * SHARE


@pytest.mark.every_chain
def test_a_transfer_into_the_frozen_part_is_refused(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 600 * SHARE, reason="margin call")
    amount = 400 * SHARE + 1
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, amount, Restriction.INSUFFICIENT_UNFROZEN_BALANCE)


def test_freezing_tokens_adds_to_what_is_frozen_and_emits(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 100, reason="x")
    receipt = ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 50, reason="x")
    assert ruled.frozen(ruled.alice) == 150
    assert ruled.events("TokensFrozen", receipt) == [{"userAddress": ruled.alice.address, "amount": 50}]
    assert ruled.events("Frozen", receipt) == [{"account": ruled.alice.address, "amount": 150}]


def test_the_erc7943_frozen_amount_may_exceed_the_balance(ruled: RuledAsset) -> None:
    ruled.platform.controls.set_frozen_tokens("KLP", ruled.carol.address, 10 * SHARE, reason="pending order")
    ruled.issue(ruled.carol, 4 * SHARE)
    assert (ruled.frozen(ruled.carol), ruled.balance(ruled.carol)) == (10 * SHARE, 4 * SHARE)
    assert_transfer_refused(ruled, ruled.carol, ruled.bob, 1, Restriction.INSUFFICIENT_UNFROZEN_BALANCE)


def test_a_partly_frozen_wallet_can_receive(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.bob.address, BOB_HOLDS, reason="x")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice, SHARE)  # the share received is free


def test_set_frozen_tokens_sets_the_exact_amount(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 500, reason="x")
    receipt = ruled.send(ruled.issuer, ruled.token.functions.setFrozenTokens(ruled.alice.address, 200))
    assert ruled.token.functions.getFrozenTokens(ruled.alice.address).call() == 200
    assert ruled.events("Frozen", receipt) == [{"account": ruled.alice.address, "amount": 200}]


def test_set_frozen_tokens_to_zero_frees_the_whole_balance(ruled: RuledAsset) -> None:
    ruled.send(ruled.issuer, ruled.token.functions.setFrozenTokens(ruled.alice.address, ALICE_HOLDS))
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, 1, Restriction.INSUFFICIENT_UNFROZEN_BALANCE)
    ruled.send(ruled.issuer, ruled.token.functions.setFrozenTokens(ruled.alice.address, 0))
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, ALICE_HOLDS)


def test_set_frozen_tokens_returns_true(ruled: RuledAsset) -> None:
    call = ruled.token.functions.setFrozenTokens(ruled.alice.address, 1)
    assert call.call({"from": ruled.issuer.address}) is True


def test_freeze_tokens_batch_freezes_every_row(ruled: RuledAsset) -> None:
    rows: list[tuple[str, str | int]] = [(ruled.alice.address, 7), (ruled.bob.address, "1.5")]
    ruled.platform.controls.freeze_tokens_batch("KLP", rows, reason="x")
    assert (ruled.frozen(ruled.alice), ruled.frozen(ruled.bob)) == (7, 150)


# == unfreeze ==================================================================================


@pytest.mark.every_chain
def test_unfreezing_releases_that_many_shares_and_emits(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, ALICE_HOLDS, reason="x")
    receipt = ruled.platform.controls.unfreeze_tokens("KLP", ruled.alice.address, 300, reason="released")
    assert ruled.frozen(ruled.alice) == ALICE_HOLDS - 300
    assert ruled.events("TokensUnfrozen", receipt) == [{"userAddress": ruled.alice.address, "amount": 300}]
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, 300)


@pytest.mark.every_chain
def test_unfreezing_more_than_is_frozen_reverts_with_unfreeze_exceeds_frozen(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 100, reason="x")
    with pytest.raises(ContractRevert) as refused:
        ruled.platform.controls.unfreeze_tokens("KLP", ruled.alice.address, 101, reason="x")
    assert_reverted_with(refused, "AssetUnfreezeExceedsFrozen", account=ruled.alice.address, amount=101, frozen=100)
    assert ruled.frozen(ruled.alice) == 100


# == forced transfer ===========================================================================


@pytest.mark.every_chain
def test_a_forced_transfer_moves_shares_and_emits_forced_transfer(ruled: RuledAsset) -> None:
    receipt = ruled.platform.controls.forced_transfer(
        "KLP", ruled.alice.address, ruled.carol.address, 3 * SHARE, reason=REASON
    )
    assert (ruled.balance(ruled.alice), ruled.balance(ruled.carol)) == (ALICE_HOLDS - 3 * SHARE, 3 * SHARE)
    args = {"from": ruled.alice.address, "to": ruled.carol.address}
    assert ruled.events("ForcedTransfer", receipt) == [{**args, "amount": 3 * SHARE}]
    assert ruled.events("Transfer", receipt) == [{**args, "value": 3 * SHARE}]


def test_a_forced_transfer_to_an_investor_id_goes_to_their_first_wallet(ruled: RuledAsset) -> None:
    ruled.platform.controls.forced_transfer("KLP", ruled.alice.address, CAROL, SHARE, reason=REASON)
    assert ruled.balance(ruled.carol) == SHARE


def _lockup(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)


def _pause(ruled: RuledAsset) -> None:
    ruled.platform.controls.pause("KLP", reason="x")


def _freeze_sender(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="x")


def _freeze_receiver(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.carol.address, reason="x")


def _freeze_all_tokens(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, ALICE_HOLDS, reason="x")


def _minimum_lot(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_minimum_lot("KLP", 100 * SHARE)


def _block_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US"])


def _allow_list(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK"])
    ruled.platform.compliance.enable_allow_list("KLP")


def _professional_only(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["professional"])


def _revoke_sender(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)


def _expire_sender(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(ALICE, kyc_expiry=now(ruled.chain) + 60)
    advance_time(ruled.chain, 61)


BYPASSED = [
    pytest.param(_lockup, id="lock-up"),
    pytest.param(_pause, id="pause"),
    pytest.param(_freeze_sender, id="sender-frozen"),
    pytest.param(_freeze_receiver, id="receiver-frozen"),
    pytest.param(_freeze_all_tokens, id="tokens-frozen"),
    pytest.param(_minimum_lot, id="minimum-lot"),
    pytest.param(_block_country, id="receiver-country-blocked"),
    pytest.param(_allow_list, id="receiver-country-not-allowed"),
    pytest.param(_professional_only, id="receiver-class-not-allowed"),
    pytest.param(_revoke_sender, id="sender-revoked"),
    pytest.param(_expire_sender, id="sender-kyc-expired"),
]


@pytest.mark.parametrize("restrict", BYPASSED)
def test_a_forced_transfer_bypasses(ruled: RuledAsset, restrict: Callable[[RuledAsset], None]) -> None:
    restrict(ruled)
    assert ruled.restriction(ruled.alice, ruled.carol, SHARE) != Restriction.SUCCESS
    forced(ruled, ruled.alice.address, ruled.carol.address, SHARE)
    assert ruled.balance(ruled.carol) == SHARE


def test_a_forced_transfer_releases_frozen_shares_only_as_needed(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 600 * SHARE, reason="x")
    forced(ruled, ruled.alice.address, ruled.bob.address, 400 * SHARE)  # the free part: nothing released
    assert ruled.frozen(ruled.alice) == 600 * SHARE
    receipt = ruled.platform.controls.forced_transfer(
        "KLP", ruled.alice.address, ruled.bob.address, 250 * SHARE, reason=REASON
    )
    assert ruled.frozen(ruled.alice) == 350 * SHARE == ruled.balance(ruled.alice)
    assert ruled.events("TokensUnfrozen", receipt) == [{"userAddress": ruled.alice.address, "amount": 250 * SHARE}]


def test_a_forced_transfer_of_a_whole_balance_frozen_beyond_it_keeps_the_excess_frozen(ruled: RuledAsset) -> None:
    ruled.platform.controls.set_frozen_tokens("KLP", ruled.alice.address, ALICE_HOLDS + 50, reason="x")
    forced(ruled, ruled.alice.address, ruled.bob.address, ALICE_HOLDS)
    assert (ruled.balance(ruled.alice), ruled.frozen(ruled.alice)) == (0, 50)


def _revoke_receiver(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(CAROL)


def _expire_receiver(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(CAROL, kyc_expiry=now(ruled.chain) + 60)
    advance_time(ruled.chain, 61)


def _remove_receiver(ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.bob_spare.address)


UNVERIFIED_RECEIVERS = [
    pytest.param(lambda r: None, "outsider", Restriction.RECEIVER_NOT_REGISTERED, id="never-registered"),
    pytest.param(_remove_receiver, "bob_spare", Restriction.RECEIVER_NOT_REGISTERED, id="wallet-removed"),
    pytest.param(_revoke_receiver, "carol", Restriction.RECEIVER_REVOKED, id="revoked"),
    pytest.param(_expire_receiver, "carol", Restriction.RECEIVER_KYC_EXPIRED, id="kyc-expired"),
]


@pytest.mark.parametrize("spoil, receiver, code", UNVERIFIED_RECEIVERS)
def test_a_forced_transfer_to_an_unverified_receiver_is_refused(
    ruled: RuledAsset, spoil: Callable[[RuledAsset], None], receiver: str, code: Restriction
) -> None:
    spoil(ruled)
    to = getattr(ruled, receiver).address
    with pytest.raises(ComplianceError) as refused:
        forced(ruled, ruled.alice.address, to, SHARE)
    assert_compliance_error(refused, code)
    assert ruled.balance(to) == 0


def test_a_forced_transfer_keeps_the_max_holders(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    with pytest.raises(ComplianceError) as refused:
        forced(ruled, ruled.alice.address, ruled.carol.address, SHARE)
    assert_compliance_error(refused, Restriction.MAX_HOLDERS_REACHED)


def test_a_forced_transfer_keeps_the_max_balance(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", SHARE)
    with pytest.raises(ComplianceError) as refused:
        forced(ruled, ruled.alice.address, ruled.carol.address, SHARE + 1)
    assert_compliance_error(refused, Restriction.MAX_BALANCE_EXCEEDED)


def test_a_forced_transfer_above_the_balance_reverts_with_insufficient_balance(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        forced(ruled, ruled.alice.address, ruled.bob.address, ALICE_HOLDS + 1)
    assert_reverted_with(
        refused, "ERC20InsufficientBalance", sender=ruled.alice.address, balance=ALICE_HOLDS, needed=ALICE_HOLDS + 1
    )


def test_a_forced_transfer_to_the_zero_address_reverts_with_invalid_receiver(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, ruled.token.functions.forcedTransfer(ruled.alice.address, ZERO_ADDRESS, 1))
    assert_reverted_with(refused, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)


def test_a_forced_transfer_keeps_the_holder_count(ruled: RuledAsset) -> None:
    forced(ruled, ruled.bob.address, ruled.carol.address, BOB_HOLDS)
    assert ruled.holders() == 2
    assert (ruled.investor_balance(BOB), ruled.investor_balance(CAROL)) == (0, BOB_HOLDS)


# == batch forced transfer =====================================================================


def test_a_batch_forced_transfer_moves_every_row(ruled: RuledAsset) -> None:
    rows: list[tuple[str, str, str | int]] = [
        (ruled.alice.address, ruled.carol.address, 5), (ruled.bob.address, ruled.dave.address, 7),
    ]  # fmt: skip
    receipt = ruled.platform.controls.forced_transfer_batch("KLP", rows, reason=REASON)
    assert (ruled.balance(ruled.carol), ruled.balance(ruled.dave)) == (5, 7)
    assert len(ruled.events("ForcedTransfer", receipt)) == 2


def test_a_batch_forced_transfer_with_one_unverified_receiver_is_refused(ruled: RuledAsset) -> None:
    rows: list[tuple[str, str, str | int]] = [
        (ruled.alice.address, ruled.carol.address, 5), (ruled.bob.address, ruled.outsider.address, 7),
    ]  # fmt: skip
    with pytest.raises(ComplianceError) as refused:
        ruled.platform.controls.forced_transfer_batch("KLP", rows, reason=REASON)
    assert_compliance_error(refused, Restriction.RECEIVER_NOT_REGISTERED)


@pytest.mark.every_chain
def test_a_mined_batch_forced_transfer_with_one_refused_row_moves_nothing(ruled: RuledAsset) -> None:
    call = ruled.token.functions.batchForcedTransfer(
        [ruled.alice.address, ruled.bob.address], [ruled.carol.address, ruled.outsider.address], [5, 7]
    )
    assert ruled.mine_despite_revert(ruled.issuer, call)["status"] == 0
    assert (ruled.balance(ruled.alice), ruled.balance(ruled.carol), ruled.balance(ruled.bob)) == (
        ALICE_HOLDS, 0, BOB_HOLDS,
    )  # fmt: skip


# == wallet recovery ===========================================================================


def recover(ruled: RuledAsset, lost: str, new: str, investor_id: str = ALICE, *, remove: bool = True) -> None:
    """The registrar removes the lost wallet from the investor (unless told not to), then the issuer recovers."""
    if remove:
        ruled.platform.registry.remove_wallet(lost)
    ruled.platform.controls.recover_wallet("KLP", lost, new, investor_id, reason="lost device, ticket 42")


@pytest.mark.every_chain
def test_recovery_moves_the_balance_to_the_investors_new_wallet(ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.alice.address)
    receipt = ruled.platform.controls.recover_wallet(
        "KLP", ruled.alice.address, ruled.alice_spare.address, ALICE, reason="lost device"
    )
    assert (ruled.balance(ruled.alice), ruled.balance(ruled.alice_spare)) == (0, ALICE_HOLDS)
    assert ruled.events("RecoverySuccess", receipt) == [
        {"lostWallet": ruled.alice.address, "newWallet": ruled.alice_spare.address,
         "investorId": investor_id_to_bytes32(ALICE)},
    ]  # fmt: skip


def test_recovery_moves_the_frozen_amount_and_the_frozen_flag(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 200, reason="x")
    ruled.platform.controls.freeze_wallet("KLP", ruled.alice.address, reason="x")
    recover(ruled, ruled.alice.address, ruled.alice_spare.address)
    frozen = ruled.token.functions.isFrozen
    assert (ruled.frozen(ruled.alice), frozen(ruled.alice.address).call()) == (0, False)
    assert (ruled.frozen(ruled.alice_spare), frozen(ruled.alice_spare.address).call()) == (200, True)


def test_recovery_into_a_wallet_that_holds_adds_balances_and_frozen_amounts(ruled: RuledAsset) -> None:
    ruled.transfer(ruled.alice, ruled.alice_spare, 10)
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 30, reason="x")
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice_spare.address, 4, reason="x")
    recover(ruled, ruled.alice.address, ruled.alice_spare.address)
    assert (ruled.balance(ruled.alice_spare), ruled.frozen(ruled.alice_spare)) == (ALICE_HOLDS, 34)


def test_recovery_after_the_registrar_replaced_the_lost_wallet(ruled: RuledAsset) -> None:
    ruled.platform.registry.add_wallet(ALICE, ruled.newcomer.address)
    recover(ruled, ruled.alice.address, ruled.newcomer.address)
    assert ruled.balance(ruled.newcomer) == ALICE_HOLDS
    assert_transfer_allowed(ruled, ruled.newcomer, ruled.bob, SHARE)


def test_recovery_keeps_the_holder_count_and_the_investors_total(ruled: RuledAsset) -> None:
    recover(ruled, ruled.alice.address, ruled.alice_spare.address)
    assert (ruled.holders(), ruled.investor_balance(ALICE)) == (2, ALICE_HOLDS)


def test_recovery_is_refused_while_the_lost_wallet_is_still_the_investors(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        recover(ruled, ruled.alice.address, ruled.alice_spare.address, remove=False)
    assert_reverted_with(refused, "AssetRecoveryWalletRegistered", lostWallet=ruled.alice.address)
    assert ruled.balance(ruled.alice) == ALICE_HOLDS


def test_a_recovered_wallet_can_neither_hold_nor_receive_the_investors_shares(ruled: RuledAsset) -> None:
    recover(ruled, ruled.alice.address, ruled.alice_spare.address)
    assert ruled.balance(ruled.alice) == 0
    assert_issue_refused(ruled, ruled.alice, 1, Restriction.RECEIVER_NOT_REGISTERED)
    assert_transfer_refused(ruled, ruled.bob, ruled.alice, SHARE, Restriction.RECEIVER_NOT_REGISTERED)
    with pytest.raises(ComplianceError):  # nor through a forced transfer: its receiver must be verified
        forced(ruled, ruled.bob.address, ruled.alice.address, SHARE)


def test_recovery_works_while_paused(ruled: RuledAsset) -> None:
    ruled.platform.controls.pause("KLP", reason="incident")
    recover(ruled, ruled.alice.address, ruled.alice_spare.address)
    assert ruled.balance(ruled.alice_spare) == ALICE_HOLDS


INVALID_RECOVERIES = [
    pytest.param("alice", "bob_spare", ALICE, id="another-investors-wallet"),
    pytest.param("alice", "bob_spare", BOB, id="another-investors-wallet-and-id"),
    pytest.param("alice", "alice_spare", BOB, id="wrong-investor-id"),
    pytest.param("alice", "outsider", ALICE, id="unregistered-new-wallet"),
    pytest.param("alice_spare", "alice", ALICE, id="empty-lost-wallet"),
    pytest.param("alice", "alice", ALICE, id="same-wallet"),
]


@pytest.mark.every_chain
@pytest.mark.parametrize("lost, new, investor_id", INVALID_RECOVERIES)
def test_an_invalid_recovery_reverts_with_recovery_invalid(
    ruled: RuledAsset, lost: str, new: str, investor_id: str
) -> None:
    lost_wallet, new_wallet = getattr(ruled, lost).address, getattr(ruled, new).address
    with pytest.raises(ContractRevert) as refused:
        recover(ruled, lost_wallet, new_wallet, investor_id, remove=False)
    assert_reverted_with(
        refused, "AssetRecoveryInvalid", lostWallet=lost_wallet, newWallet=new_wallet,
        investorId="0x" + investor_id_to_bytes32(investor_id).hex(),
    )  # fmt: skip
    assert ruled.balance(ruled.alice) == ALICE_HOLDS


def test_recover_wallet_everywhere_recovers_in_every_asset_holding_shares(ruled: RuledAsset) -> None:
    ruled.platform.assets.create(AssetSpec("Second Asset", "TWO", 0, "fund", "1000"))
    ruled.platform.assets.create(AssetSpec("Third Asset", "TRE", 0, "fund", "1000"))
    ruled.platform.assets.issue("TWO", ruled.alice.address, 9)
    ruled.platform.registry.remove_wallet(ruled.alice.address)
    receipts = ruled.platform.controls.recover_wallet_everywhere(
        ruled.alice.address, ruled.alice_spare.address, ALICE, reason="lost device"
    )
    assert len(receipts) == 2  # KLP and TWO; TRE holds nothing of the lost wallet
    assert ruled.platform.assets.balance("TWO", ruled.alice_spare.address) == 9
    assert ruled.balance(ruled.alice_spare) == ALICE_HOLDS


# == a reason is required ======================================================================

REASONED_ACTIONS = [
    pytest.param(
        lambda p, r, reason: p.controls.forced_transfer("KLP", r.alice.address, r.bob.address, 1, reason=reason),
        id="forced_transfer",
    ),
    pytest.param(
        lambda p, r, reason: p.controls.forced_transfer_batch(
            "KLP", [(r.alice.address, r.bob.address, 1)], reason=reason
        ),
        id="forced_transfer_batch",
    ),
    pytest.param(
        lambda p, r, reason: p.controls.recover_wallet(
            "KLP", r.alice.address, r.alice_spare.address, ALICE, reason=reason
        ),
        id="recover_wallet",
    ),
]


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("act", REASONED_ACTIONS)
def test_forced_moves_need_a_reason_and_send_nothing_without_one(
    ruled: RuledAsset, act: Callable[[Platform, RuledAsset, str], object], reason: str
) -> None:
    nonce = ruled.chain.w3.eth.get_transaction_count(ruled.issuer.address)
    with pytest.raises(InvalidInput) as invalid:
        act(ruled.platform, ruled, reason)
    assert invalid.value.code == "reason_required"
    assert ruled.chain.w3.eth.get_transaction_count(ruled.issuer.address) == nonce


# == pause =====================================================================================


@pytest.mark.every_chain
def test_a_paused_asset_refuses_holder_transfers(ruled: RuledAsset) -> None:
    ruled.platform.controls.pause("KLP", reason="incident")
    assert ruled.platform.assets.get("KLP").paused
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.PAUSED)


def test_an_unpaused_asset_allows_transfers_again(ruled: RuledAsset) -> None:
    ruled.platform.controls.pause("KLP", reason="incident")
    ruled.platform.controls.unpause("KLP", reason="resolved")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


@pytest.mark.every_chain
def test_issuance_and_redemption_work_while_paused(ruled: RuledAsset) -> None:
    ruled.platform.controls.pause("KLP", reason="incident")
    ruled.issue(ruled.carol, SHARE)
    ruled.platform.controls.redeem("KLP", ruled.alice.address, SHARE, reason="redemption")
    assert (ruled.balance(ruled.carol), ruled.balance(ruled.alice)) == (SHARE, ALICE_HOLDS - SHARE)


# == redeem and burn ===========================================================================


@pytest.mark.every_chain
def test_a_redemption_burns_and_releases_frozen_shares_only_as_needed(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 800 * SHARE, reason="x")
    receipt = ruled.platform.controls.redeem("KLP", ruled.alice.address, 500 * SHARE, reason="redemption")
    assert (ruled.balance(ruled.alice), ruled.frozen(ruled.alice)) == (500 * SHARE, 500 * SHARE)
    assert ruled.events("TokensUnfrozen", receipt) == [{"userAddress": ruled.alice.address, "amount": 300 * SHARE}]
    assert ruled.supply() == ALICE_HOLDS + BOB_HOLDS - 500 * SHARE


def test_a_redemption_within_the_free_balance_keeps_the_frozen_amount(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 100, reason="x")
    ruled.platform.controls.redeem("KLP", ruled.alice.address, ALICE_HOLDS - 100, reason="redemption")
    assert (ruled.balance(ruled.alice), ruled.frozen(ruled.alice)) == (100, 100)


def test_a_redemption_of_a_whole_holding_leaves_the_holder_count(ruled: RuledAsset) -> None:
    ruled.platform.controls.redeem("KLP", ruled.bob.address, BOB_HOLDS, reason="redemption")
    assert (ruled.holders(), ruled.investor_balance(BOB)) == (1, 0)


def test_a_batch_burn_releases_frozen_shares(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, ALICE_HOLDS, reason="x")
    ruled.send(ruled.issuer, ruled.token.functions.batchBurn([ruled.alice.address, ruled.bob.address], [10, 10]))
    assert ruled.frozen(ruled.alice) == ALICE_HOLDS - 10


# == batches are all or nothing ================================================================


def test_a_mined_batch_unfreeze_with_one_row_over_the_frozen_amount_unfreezes_nothing(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens_batch("KLP", [(ruled.alice.address, 10), (ruled.bob.address, 10)], reason="x")
    call = ruled.token.functions.batchUnfreezePartialTokens([ruled.alice.address, ruled.bob.address], [10, 11])
    assert ruled.mine_despite_revert(ruled.issuer, call)["status"] == 0
    assert (ruled.frozen(ruled.alice), ruled.frozen(ruled.bob)) == (10, 10)


def test_a_batch_unfreeze_releases_every_row(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens_batch("KLP", [(ruled.alice.address, 10), (ruled.bob.address, 10)], reason="x")
    ruled.send(
        ruled.issuer,
        ruled.token.functions.batchUnfreezePartialTokens([ruled.alice.address, ruled.bob.address], [4, 10]),
    )
    assert (ruled.frozen(ruled.alice), ruled.frozen(ruled.bob)) == (6, 0)


def test_a_mined_batch_freeze_with_one_overflowing_row_freezes_nothing(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.bob.address, 1, reason="x")
    call = ruled.token.functions.batchFreezePartialTokens([ruled.alice.address, ruled.bob.address], [10, 2**256 - 1])
    assert ruled.mine_despite_revert(ruled.issuer, call)["status"] == 0
    assert (ruled.frozen(ruled.alice), ruled.frozen(ruled.bob)) == (0, 1)


def test_batch_set_address_frozen_sets_each_rows_flag(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.bob.address, reason="x")
    call = ruled.token.functions.batchSetAddressFrozen([ruled.alice.address, ruled.bob.address], [True, False])
    ruled.send(ruled.issuer, call)
    is_frozen = ruled.token.functions.isFrozen
    assert (is_frozen(ruled.alice.address).call(), is_frozen(ruled.bob.address).call()) == (True, False)


BATCHES = [
    pytest.param(lambda t, a, b: t.functions.batchSetAddressFrozen([a, b], [True]), id="batchSetAddressFrozen"),
    pytest.param(lambda t, a, b: t.functions.batchFreezePartialTokens([a, b], [1]), id="batchFreezePartialTokens"),
    pytest.param(lambda t, a, b: t.functions.batchUnfreezePartialTokens([a], [1, 2]), id="batchUnfreezePartialTokens"),
    pytest.param(lambda t, a, b: t.functions.batchForcedTransfer([a, b], [b], [1, 1]), id="batchForcedTransfer-to"),
    pytest.param(lambda t, a, b: t.functions.batchForcedTransfer([a], [b], [1, 1]), id="batchForcedTransfer-amounts"),
]


@pytest.mark.parametrize("make_call", BATCHES)
def test_control_batches_of_different_lengths_revert_with_length_mismatch(
    ruled: RuledAsset, make_call: Callable[..., object]
) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, make_call(ruled.token, ruled.alice.address, ruled.bob.address))  # type: ignore[arg-type]
    assert refused.value.error == "AssetBatchLengthMismatch"


@pytest.mark.parametrize("action", ["freeze_wallets", "freeze_tokens_batch", "forced_transfer_batch"])
def test_the_service_refuses_an_empty_batch(ruled: RuledAsset, action: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        getattr(ruled.platform.controls, action)("KLP", [], reason=REASON)
    assert invalid.value.code == "empty_batch"


# == audit trail ===============================================================================


Act = Callable[[ControlsService, RuledAsset], TxReceipt]


def _nothing(controls: ControlsService, ruled: RuledAsset) -> None:
    return None


def _freeze_5(controls: ControlsService, ruled: RuledAsset) -> None:
    controls.freeze_tokens("KLP", ruled.alice.address, 5, reason="lien")


def _pause_it(controls: ControlsService, ruled: RuledAsset) -> None:
    controls.pause("KLP", reason="incident")


def _lose_alice(controls: ControlsService, ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.alice.address)


def _publish(controls: ControlsService, ruled: RuledAsset) -> None:
    controls.set_document("KLP", "valuation", "ipfs://v", "0x" + "11" * 32, reason="annual")


AUDITED: list[tuple[Callable[[ControlsService, RuledAsset], None], Act, str]] = [
    (_nothing, lambda c, r: c.freeze_wallet("KLP", r.alice.address, reason="aml hit"), "freeze_wallet"),
    (_nothing, lambda c, r: c.freeze_wallet("KLP", r.alice.address, reason="ok", frozen=False), "unfreeze_wallet"),
    (_nothing, lambda c, r: c.freeze_wallets("KLP", [r.alice.address], reason="aml hit"), "freeze_wallet"),
    (_nothing, lambda c, r: c.freeze_tokens("KLP", r.alice.address, 5, reason="lien"), "freeze_tokens"),
    (_nothing, lambda c, r: c.freeze_tokens_batch("KLP", [(r.alice.address, 5)], reason="lien"), "freeze_tokens"),
    (_freeze_5, lambda c, r: c.unfreeze_tokens("KLP", r.alice.address, 5, reason="lien lifted"), "unfreeze_tokens"),
    (
        _nothing,
        lambda c, r: c.forced_transfer("KLP", r.alice.address, r.bob.address, 5, reason=REASON),
        "forced_transfer",
    ),
    (
        _nothing,
        lambda c, r: c.forced_transfer_batch("KLP", [(r.alice.address, r.bob.address, 5)], reason=REASON),
        "forced_transfer",
    ),
    (
        _lose_alice,
        lambda c, r: c.recover_wallet("KLP", r.alice.address, r.alice_spare.address, ALICE, reason="lost"),
        "recover_wallet",
    ),
    (_nothing, lambda c, r: c.set_frozen_tokens("KLP", r.carol.address, 5, reason="order"), "set_frozen_tokens"),
    (_nothing, lambda c, r: c.redeem("KLP", r.alice.address, 5, reason="redemption"), "redeem"),
    (_nothing, lambda c, r: c.pause("KLP", reason="incident"), "pause"),
    (_pause_it, lambda c, r: c.unpause("KLP", reason="resolved"), "unpause"),
    (
        _nothing,
        lambda c, r: c.set_document("KLP", "valuation", "ipfs://v", "0x" + "11" * 32, reason="annual"),
        "set_document",
    ),
    (_publish, lambda c, r: c.remove_document("KLP", "valuation", reason="superseded"), "remove_document"),
]


@pytest.mark.parametrize("setup, act, action", AUDITED, ids=[f"{i}-{row[2]}" for i, row in enumerate(AUDITED)])
def test_each_control_action_is_audited_with_actor_action_reason_and_tx_hash(
    ruled: RuledAsset, setup: Callable[[ControlsService, RuledAsset], None], act: Act, action: str
) -> None:
    controls = ruled.platform.controls
    setup(controls, ruled)
    before = len(controls.audit_trail("KLP"))
    receipt = act(controls, ruled)
    (entry,) = controls.audit_trail("KLP")[before:]
    assert (entry.actor, entry.action, entry.asset) == (ruled.issuer.address, action, ruled.token.address)
    assert entry.reason and entry.tx_hash == receipt["transactionHash"].to_0x_hex()


@pytest.mark.every_chain
def test_the_audit_entry_carries_the_actions_details(ruled: RuledAsset) -> None:
    controls = ruled.platform.controls
    controls.forced_transfer("KLP", ruled.alice.address, ruled.bob.address, 5, reason=REASON)
    entry = controls.audit_trail("KLP")[-1]
    assert entry.reason == REASON
    assert entry.details == {"sender": ruled.alice.address, "to": ruled.bob.address, "amount": 5}


def test_a_refused_control_action_is_not_audited(ruled: RuledAsset) -> None:
    before = len(ruled.platform.controls.audit_trail("KLP"))
    with pytest.raises(ComplianceError):
        forced(ruled, ruled.alice.address, ruled.outsider.address, 5)
    assert len(ruled.platform.controls.audit_trail("KLP")) == before


def test_the_audit_trail_of_an_asset_holds_only_that_assets_actions(ruled: RuledAsset) -> None:
    other = ruled.platform.assets.create(AssetSpec("Second Asset", "TWO", 0, "fund", "1000"))
    ruled.platform.controls.pause("TWO", reason="incident")
    trail = ruled.platform.controls.audit_trail(other.address)
    assert [e.action for e in trail][-1] == "pause"
    assert {e.asset for e in trail} == {other.address}
    assert ruled.token.address not in {e.asset for e in ruled.platform.controls.audit_trail("TWO")}
