"""Compliance rules on Anvil, set through platform.compliance: each rule's accepted and refused cases,
with the reason code from detectTransferRestriction and from the service's ComplianceError. One
refusal per reason code (marked every_chain) also runs on Ganache and the in-process chain."""

from __future__ import annotations

import pytest

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import ComplianceError, ContractRevert, InvalidInput
from rwakit.registry import InvestorClass
from rwakit.tokenize import AssetSpec
from tests.conftest import advance_time, call_revert, investor, now
from tests.contracts.erc20_behaviour import assert_reverted_with
from tests.contracts.rwa import (
    ALICE,
    ALICE_HOLDS,
    BOB,
    BOB_HOLDS,
    CAROL,
    DAVE,
    GB,
    HK,
    REASON,
    SG,
    SHARE,
    US,
    RuledAsset,
    assert_compliance_error,
    assert_issue_allowed,
    assert_issue_refused,
    assert_transfer_allowed,
    assert_transfer_refused,
)

DAY = 24 * 3600


# == allowed countries =========================================================================


def test_a_disabled_allow_list_admits_every_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK"])
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


def test_an_enabled_allow_list_admits_a_receiver_from_a_listed_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK", "SGP"])
    ruled.platform.compliance.enable_allow_list("KLP")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob_spare, SHARE)


@pytest.mark.every_chain
def test_an_enabled_allow_list_refuses_a_receiver_from_an_unlisted_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK", "SG"])
    ruled.platform.compliance.enable_allow_list("KLP")
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.COUNTRY_NOT_ALLOWED)


def test_an_enabled_allow_list_refuses_issuance_to_an_unlisted_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", [HK])
    ruled.platform.compliance.enable_allow_list("KLP")
    assert_issue_refused(ruled, ruled.carol, SHARE, Restriction.COUNTRY_NOT_ALLOWED)


def test_the_allow_list_checks_only_the_receiver(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["SG"])
    ruled.platform.compliance.enable_allow_list("KLP")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)  # ALICE is from HK, not listed


def test_a_country_removed_from_the_allow_list_is_refused_again(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK", "US"])
    ruled.platform.compliance.enable_allow_list("KLP")
    ruled.platform.compliance.allow_countries("KLP", ["US"], allowed=False)
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.COUNTRY_NOT_ALLOWED)


def test_disabling_the_allow_list_admits_every_country_again(ruled: RuledAsset) -> None:
    ruled.platform.compliance.enable_allow_list("KLP")
    ruled.platform.compliance.enable_allow_list("KLP", enabled=False)
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


def test_rules_report_the_allow_list(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK", "US", "SG"])
    ruled.platform.compliance.allow_countries("KLP", ["SG"], allowed=False)
    ruled.platform.compliance.enable_allow_list("KLP")
    rules = ruled.platform.compliance.rules("KLP")
    assert (rules.allow_list_enabled, rules.allowed_countries) == (True, [HK, US])
    assert ruled.token.functions.isCountryAllowed(HK).call() and not ruled.token.functions.isCountryAllowed(SG).call()


# == blocked countries =========================================================================


def test_a_receiver_from_a_blocked_country_is_refused(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.COUNTRY_BLOCKED)


@pytest.mark.every_chain
def test_issuance_to_a_blocked_country_is_refused(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_issue_refused(ruled, ruled.carol, SHARE, Restriction.COUNTRY_BLOCKED)


def test_a_holder_in_a_blocked_country_can_still_sell(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["HK"])
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


def test_a_blocked_country_is_refused_even_when_allow_listed(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["US", "HK"])
    ruled.platform.compliance.enable_allow_list("KLP")
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.COUNTRY_BLOCKED)


def test_unblocking_a_country_admits_it_again_and_turns_the_check_off(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US", "GB"])
    ruled.platform.compliance.block_countries("KLP", ["US", "GB"], blocked=False)
    assert ruled.token.functions.rules().call()[2] is False  # blockListActive
    assert ruled.platform.compliance.rules("KLP").blocked_countries == []
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


def test_blocking_a_country_twice_counts_it_once(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US", "US"])
    ruled.platform.compliance.block_countries("KLP", ["US"])
    ruled.platform.compliance.block_countries("KLP", ["US"], blocked=False)
    assert ruled.token.functions.counts().call()[2] == 0
    assert ruled.token.functions.rules().call()[2] is False
    assert not ruled.token.functions.isCountryBlocked(US).call()


def test_unblocking_a_country_never_blocked_changes_nothing(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["GB"])
    ruled.platform.compliance.block_countries("KLP", ["US"], blocked=False)
    assert ruled.token.functions.counts().call()[2] == 1
    assert ruled.platform.compliance.rules("KLP").blocked_countries == [GB]
    assert_transfer_refused(ruled, ruled.alice, ruled.dave, SHARE, Restriction.COUNTRY_BLOCKED)


@pytest.mark.parametrize("function", ["setAllowedCountries", "setBlockedCountries"])
@pytest.mark.parametrize("country", [0, 1000])
def test_a_country_code_outside_1_to_999_reverts_with_invalid_country(
    ruled: RuledAsset, function: str, country: int
) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.send(ruled.issuer, ruled.token.functions[function]([country], True))
    assert_reverted_with(refused, "AssetInvalidCountry", country=country)


def test_the_service_refuses_an_unknown_country_before_sending(ruled: RuledAsset) -> None:
    with pytest.raises(InvalidInput) as invalid:
        ruled.platform.compliance.block_countries("KLP", ["XX"])
    assert invalid.value.code == "invalid_country"


# == allowed investor classes ==================================================================


def test_a_professional_only_asset_admits_a_professional(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["professional"])
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob_spare, SHARE)


@pytest.mark.parametrize("receiver", ["carol", "dave"], ids=["retail", "institutional"])
def test_a_professional_only_asset_refuses_other_classes(ruled: RuledAsset, receiver: str) -> None:
    ruled.platform.compliance.allow_classes("KLP", [InvestorClass.PROFESSIONAL])
    assert_transfer_refused(ruled, ruled.alice, getattr(ruled, receiver), SHARE, Restriction.CLASS_NOT_ALLOWED)


@pytest.mark.every_chain
def test_a_professional_only_asset_refuses_issuance_to_retail(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["professional", "institutional"])
    assert_issue_refused(ruled, ruled.carol, SHARE, Restriction.CLASS_NOT_ALLOWED)
    assert_issue_allowed(ruled, ruled.dave, SHARE)


def test_the_class_rule_checks_only_the_receiver(ruled: RuledAsset) -> None:
    ruled.issue(ruled.carol, SHARE)
    ruled.platform.compliance.allow_classes("KLP", ["professional"])
    assert_transfer_allowed(ruled, ruled.carol, ruled.bob, SHARE)  # a retail holder can sell out


def test_an_empty_class_list_admits_every_class(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["professional"])
    ruled.platform.compliance.allow_classes("KLP", [])
    assert ruled.platform.compliance.rules("KLP").allowed_classes == []
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


def test_rules_report_the_allowed_classes(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["institutional", "professional"])
    assert ruled.platform.compliance.rules("KLP").allowed_classes == [
        InvestorClass.PROFESSIONAL, InvestorClass.INSTITUTIONAL,
    ]  # fmt: skip
    assert ruled.token.functions.rules().call()[3] == 0b110


# == maximum number of holders (per investor) ==================================================


def test_holders_are_counted_per_investor_not_per_wallet(ruled: RuledAsset) -> None:
    assert ruled.holders() == 2
    ruled.transfer(ruled.alice, ruled.alice_spare, SHARE)
    ruled.issue(ruled.bob_spare, SHARE)
    assert ruled.holders() == 2
    assert ruled.platform.compliance.rules("KLP").holders == 2


@pytest.mark.every_chain
def test_at_the_cap_a_new_investor_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.MAX_HOLDERS_REACHED)


def test_at_the_cap_a_new_investor_cannot_be_issued_shares(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert_issue_refused(ruled, ruled.carol, SHARE, Restriction.MAX_HOLDERS_REACHED)


def test_at_the_cap_a_holders_other_wallet_can_receive(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice_spare, SHARE)
    assert_issue_allowed(ruled, ruled.bob_spare, SHARE)
    assert ruled.holders() == 2


def test_at_the_cap_a_transfer_taking_a_whole_investor_out_may_bring_one_in(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert_transfer_allowed(ruled, ruled.bob, ruled.carol, BOB_HOLDS)
    assert ruled.holders() == 2
    assert (ruled.investor_balance(BOB), ruled.investor_balance(CAROL)) == (0, BOB_HOLDS)


def test_at_the_cap_emptying_one_wallet_of_an_investor_with_two_cannot_bring_one_in(ruled: RuledAsset) -> None:
    ruled.transfer(ruled.bob, ruled.bob_spare, SHARE)
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert_transfer_refused(ruled, ruled.bob, ruled.carol, BOB_HOLDS - SHARE, Restriction.MAX_HOLDERS_REACHED)


def test_below_the_cap_a_new_investor_can_join(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 3)
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)
    assert_transfer_refused(ruled, ruled.alice, ruled.dave, SHARE, Restriction.MAX_HOLDERS_REACHED)
    assert ruled.holders() == 3


def test_an_investor_selling_out_frees_a_place(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    ruled.transfer(ruled.bob, ruled.alice, BOB_HOLDS)
    assert ruled.holders() == 1
    assert_transfer_allowed(ruled, ruled.alice, ruled.dave, SHARE)
    assert ruled.holders() == 2


def test_a_burn_of_a_whole_holding_frees_a_place(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    ruled.platform.assets.burn("KLP", ruled.bob.address, BOB_HOLDS)
    assert ruled.holders() == 1
    assert_issue_allowed(ruled, ruled.carol, SHARE)


def test_max_holders_below_the_current_count_reverts_with_limit_below_current(ruled: RuledAsset) -> None:
    with pytest.raises(ContractRevert) as refused:
        ruled.platform.compliance.set_max_holders("KLP", 1)
    assert_reverted_with(refused, "AssetLimitBelowCurrent", limit=1, current=2)
    assert ruled.platform.compliance.rules("KLP").max_holders is None


def test_max_holders_may_equal_the_current_count_and_none_lifts_it(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    assert ruled.platform.compliance.rules("KLP").max_holders == 2
    ruled.platform.compliance.set_max_holders("KLP", None)
    assert ruled.platform.compliance.rules("KLP").max_holders is None
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


@pytest.mark.parametrize("count", [0, 2**32])
def test_the_service_refuses_a_max_holders_out_of_range(ruled: RuledAsset, count: int) -> None:
    with pytest.raises(InvalidInput) as invalid:
        ruled.platform.compliance.set_max_holders("KLP", count)
    assert invalid.value.code == "invalid_limit"


def test_a_batch_mint_over_the_cap_mints_nothing(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 3)
    with pytest.raises(ComplianceError) as refused:
        ruled.platform.assets.issue_batch("KLP", [(ruled.carol.address, SHARE), (ruled.dave.address, SHARE)])
    assert_compliance_error(refused, Restriction.MAX_HOLDERS_REACHED)
    assert (ruled.balance(ruled.carol), ruled.holders()) == (0, 2)


def test_a_zero_share_transfer_does_not_count_the_receiver_as_a_holder(ruled: RuledAsset) -> None:
    ruled.send(ruled.alice, ruled.token.functions.transfer(ruled.carol.address, 0))
    ruled.send(ruled.alice, ruled.token.functions.transfer(ruled.dave.address, 0))
    assert ruled.holders() == 2


def test_a_former_holder_cannot_open_places_beyond_the_cap_with_zero_share_transfers(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    ruled.transfer(ruled.bob, ruled.alice, BOB_HOLDS)  # BOB sells out: one place free
    ruled.send(ruled.bob, ruled.token.functions.transfer(ruled.alice.address, 0))  # the count drops to 0
    ruled.transfer(ruled.alice, ruled.carol, SHARE)
    assert_transfer_refused(ruled, ruled.alice, ruled.dave, SHARE, Restriction.MAX_HOLDERS_REACHED)


@pytest.mark.every_chain
@pytest.mark.parametrize("setter", ["set_max_holders", "set_max_balance"])
def test_investor_limits_need_an_asset_created_with_them(ruled: RuledAsset, setter: str) -> None:
    ruled.platform.assets.create(AssetSpec("Plain Fund", "PLN", 0, "fund", "1000"))
    with pytest.raises(ContractRevert) as refused:
        getattr(ruled.platform.compliance, setter)("PLN", 10)
    assert refused.value.error == "AssetInvestorLimitsDisabled"
    rules = ruled.platform.compliance.rules("PLN")
    assert (rules.investor_limits, rules.holders, rules.max_holders) == (False, None, None)


@pytest.mark.every_chain
def test_an_asset_without_investor_limits_keeps_no_investor_totals(ruled: RuledAsset) -> None:
    ruled.platform.assets.create(AssetSpec("Plain Fund", "PLN", 0, "fund", "1000"))
    decoded = call_revert(ruled.platform.assets.token("PLN").functions.investorBalanceOf(ruled.alice.address))
    assert decoded is not None and decoded.name == "AssetInvestorLimitsDisabled"


# == maximum balance per investor ==============================================================


@pytest.mark.every_chain
def test_a_receiver_over_the_max_balance_is_refused(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", "10")
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, 10 * SHARE + 1, Restriction.MAX_BALANCE_EXCEEDED)
    assert_issue_refused(ruled, ruled.carol, 10 * SHARE + 1, Restriction.MAX_BALANCE_EXCEEDED)


def test_a_receiver_may_reach_exactly_the_max_balance(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", 10 * SHARE)
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, 10 * SHARE)
    assert ruled.platform.compliance.rules("KLP").max_balance == 10 * SHARE


def test_the_max_balance_sums_an_investors_wallets(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", BOB_HOLDS + SHARE)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob_spare, 2 * SHARE, Restriction.MAX_BALANCE_EXCEEDED)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob_spare, SHARE)
    assert ruled.investor_balance(BOB) == BOB_HOLDS + SHARE


def test_moving_shares_between_ones_own_wallets_ignores_the_max_balance(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", SHARE)
    assert_transfer_allowed(ruled, ruled.alice, ruled.alice_spare, ALICE_HOLDS // 2)


def test_a_balance_above_a_new_max_stays_and_may_only_shrink(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", 100 * SHARE)
    assert ruled.balance(ruled.alice) == ALICE_HOLDS
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)
    assert_transfer_refused(ruled, ruled.bob, ruled.alice, SHARE, Restriction.MAX_BALANCE_EXCEEDED)


# == investors with one wallet, then two =======================================================


def test_a_single_wallet_investors_total_is_their_wallets_balance(ruled: RuledAsset) -> None:
    ruled.issue(ruled.carol, 10 * SHARE)
    assert ruled.investor_balance(CAROL) == ruled.balance(ruled.carol) == 10 * SHARE
    assert ruled.token.functions.investorBalanceOf(ruled.newcomer.address).call() == 0  # unregistered


def test_a_second_wallet_carries_the_investors_holding_into_their_total(ruled: RuledAsset) -> None:
    ruled.issue(ruled.carol, 10 * SHARE)
    ruled.platform.registry.add_wallet(CAROL, ruled.newcomer.address)
    total = ruled.token.functions.investorBalanceOf
    assert total(ruled.carol.address).call() == total(ruled.newcomer.address).call() == 10 * SHARE
    assert ruled.holders() == 3
    ruled.platform.compliance.set_max_balance("KLP", 15 * SHARE)
    assert_transfer_refused(ruled, ruled.alice, ruled.newcomer, 6 * SHARE, Restriction.MAX_BALANCE_EXCEEDED)
    assert_transfer_allowed(ruled, ruled.alice, ruled.newcomer, 5 * SHARE)
    assert ruled.investor_balance(CAROL) == 15 * SHARE
    ruled.transfer(ruled.carol, ruled.dave, 10 * SHARE)
    assert (ruled.holders(), ruled.investor_balance(CAROL)) == (4, 5 * SHARE)
    ruled.transfer(ruled.newcomer, ruled.dave, 5 * SHARE)
    assert (ruled.holders(), ruled.investor_balance(CAROL)) == (3, 0)


def test_at_the_cap_a_single_wallet_investor_selling_out_may_bring_one_in(ruled: RuledAsset) -> None:
    ruled.issue(ruled.carol, 10 * SHARE)
    ruled.platform.compliance.set_max_holders("KLP", 3)
    assert_transfer_refused(ruled, ruled.carol, ruled.dave, 5 * SHARE, Restriction.MAX_HOLDERS_REACHED)
    assert_transfer_allowed(ruled, ruled.carol, ruled.dave, 10 * SHARE)
    assert (ruled.holders(), ruled.investor_balance(CAROL), ruled.investor_balance(DAVE)) == (3, 0, 10 * SHARE)


def test_no_max_balance_lifts_the_limit(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_balance("KLP", SHARE)
    ruled.platform.compliance.set_max_balance("KLP", None)
    assert ruled.platform.compliance.rules("KLP").max_balance is None
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, 100 * SHARE)


# == lock-up ===================================================================================


@pytest.mark.every_chain
def test_transfers_are_refused_during_the_lockup(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.LOCKED_UP)


def test_issuance_is_allowed_during_the_lockup(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)
    assert_issue_allowed(ruled, ruled.carol, SHARE)


def test_a_forced_transfer_is_allowed_during_the_lockup(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)
    ruled.platform.controls.forced_transfer("KLP", ruled.alice.address, ruled.bob.address, SHARE, reason=REASON)
    assert ruled.balance(ruled.bob) == BOB_HOLDS + SHARE


@pytest.mark.every_chain
def test_transfers_resume_when_the_lockup_ends(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)
    advance_time(ruled.chain, DAY + 1)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


def test_lifting_the_lockup_allows_transfers(ruled: RuledAsset) -> None:
    until = now(ruled.chain) + DAY
    ruled.platform.compliance.set_lockup("KLP", until)
    assert ruled.platform.compliance.rules("KLP").lockup_until is not None
    assert ruled.platform.compliance.rules("KLP").lockup_until.timestamp() == until  # type: ignore[union-attr]
    ruled.platform.compliance.set_lockup("KLP", None)
    assert ruled.platform.compliance.rules("KLP").lockup_until is None
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


# == minimum lot ===============================================================================


@pytest.mark.every_chain
def test_a_transfer_below_the_minimum_lot_is_refused(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_minimum_lot("KLP", "1.5")
    assert ruled.platform.compliance.rules("KLP").minimum_lot == 150
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, 149, Restriction.BELOW_MINIMUM_LOT)


def test_a_transfer_of_exactly_the_minimum_lot_is_allowed(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_minimum_lot("KLP", 150)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, 150)


def test_issuance_and_forced_transfers_below_the_minimum_lot_are_allowed(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_minimum_lot("KLP", 10 * SHARE)
    assert_issue_allowed(ruled, ruled.carol, 1)
    ruled.platform.controls.forced_transfer("KLP", ruled.alice.address, ruled.bob.address, 1, reason=REASON)
    assert ruled.balance(ruled.bob) == BOB_HOLDS + 1


def test_the_service_refuses_a_minimum_lot_beyond_uint80(ruled: RuledAsset) -> None:
    with pytest.raises(InvalidInput) as invalid:
        ruled.platform.compliance.set_minimum_lot("KLP", 2**80)
    assert invalid.value.code == "invalid_limit"


# == KYC expiry ================================================================================


@pytest.mark.every_chain
def test_a_holder_whose_kyc_expired_cannot_send(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(ALICE, kyc_expiry=now(ruled.chain) + DAY)
    ruled.platform.registry.update(BOB, kyc_expiry=now(ruled.chain) + 3 * DAY)
    advance_time(ruled.chain, 2 * DAY)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_KYC_EXPIRED)


@pytest.mark.every_chain
def test_a_holder_whose_kyc_expired_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(BOB, kyc_expiry=now(ruled.chain) + DAY)
    advance_time(ruled.chain, 2 * DAY)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.RECEIVER_KYC_EXPIRED)
    assert_issue_refused(ruled, ruled.bob, SHARE, Restriction.RECEIVER_KYC_EXPIRED)


def test_a_new_wallet_whose_kyc_expired_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(CAROL, kyc_expiry=now(ruled.chain) + DAY)
    advance_time(ruled.chain, 2 * DAY)
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.RECEIVER_KYC_EXPIRED)


def test_kyc_expiry_of_a_cached_holder_takes_effect_by_time_alone(ruled: RuledAsset) -> None:
    advance_time(ruled.chain, 400 * DAY)  # past the year of KYC every investor got; no registry write
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_KYC_EXPIRED)


def test_a_renewed_kyc_admits_the_holder_again(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(ALICE, kyc_expiry=now(ruled.chain) + DAY)
    advance_time(ruled.chain, 2 * DAY)
    ruled.platform.registry.update(ALICE, kyc_expiry=now(ruled.chain) + 365 * DAY)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


# == registry changes reach the copies beside holders' balances ================================
# Holders' records are cached beside their balances; each test changes the registry and checks
# the very next transfer sees the change, in both directions.


@pytest.mark.every_chain
def test_a_revoked_holder_can_neither_send_nor_receive(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_REVOKED)
    assert_transfer_refused(ruled, ruled.bob, ruled.alice, SHARE, Restriction.RECEIVER_REVOKED)


def test_revocation_reaches_every_wallet_of_the_investor(ruled: RuledAsset) -> None:
    ruled.transfer(ruled.alice, ruled.alice_spare, SHARE)
    ruled.platform.registry.revoke(ALICE)
    assert_transfer_refused(ruled, ruled.alice_spare, ruled.bob, SHARE, Restriction.SENDER_REVOKED)


def test_a_reinstated_holder_can_send_and_receive_again(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    ruled.platform.registry.reinstate(ALICE)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice, SHARE)


def test_a_holder_moved_to_a_blocked_country_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US"])
    ruled.platform.registry.update(BOB, country="US")
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.COUNTRY_BLOCKED)


def test_a_holder_moved_out_of_a_blocked_country_can_receive(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["SG"])
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.COUNTRY_BLOCKED)
    ruled.platform.registry.update(BOB, country="HK")
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)


def test_a_holder_moved_off_the_allow_list_cannot_receive(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK", "SG"])
    ruled.platform.compliance.enable_allow_list("KLP")
    ruled.platform.registry.update(BOB, country="GB")
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.COUNTRY_NOT_ALLOWED)


def test_a_holder_reclassified_as_retail_cannot_receive_professional_only_shares(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["professional"])
    ruled.platform.registry.update(BOB, investor_class="retail")
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.CLASS_NOT_ALLOWED)


def test_a_holder_reclassified_as_professional_can_receive_professional_only_shares(ruled: RuledAsset) -> None:
    ruled.issue(ruled.carol, SHARE)  # CAROL (retail) becomes a holder before the rule
    ruled.platform.compliance.allow_classes("KLP", ["professional"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.CLASS_NOT_ALLOWED)
    ruled.platform.registry.update(CAROL, investor_class="professional")
    assert_transfer_allowed(ruled, ruled.alice, ruled.carol, SHARE)


def test_a_kyc_expiry_moved_into_the_past_refuses_the_holder_at_once(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(ALICE, kyc_expiry=now(ruled.chain) - 1)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_KYC_EXPIRED)


def test_a_holders_removed_wallet_can_neither_send_nor_receive(ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.alice.address)
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_NOT_REGISTERED)
    assert_transfer_refused(ruled, ruled.bob, ruled.alice, SHARE, Restriction.RECEIVER_NOT_REGISTERED)


def test_a_removed_wallet_added_back_to_its_investor_works_again(ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.alice.address)
    ruled.platform.registry.add_wallet(ALICE, ruled.alice.address)
    assert_transfer_allowed(ruled, ruled.alice, ruled.bob, SHARE)
    assert_transfer_allowed(ruled, ruled.bob, ruled.alice, SHARE)


def test_a_record_change_reaches_every_asset_of_the_platform(ruled: RuledAsset) -> None:
    other = ruled.platform.assets.create(AssetSpec("Second Asset", "TWO", 0, "fund", "1000"))
    ruled.platform.assets.issue("TWO", ruled.alice.address, 10)
    ruled.platform.registry.revoke(ALICE)
    assert ruled.platform.assets.check_transfer(other.address, ruled.alice.address, ruled.bob.address, 1) == (
        Restriction.SENDER_REVOKED
    )
    assert_transfer_refused(ruled, ruled.alice, ruled.bob, SHARE, Restriction.SENDER_REVOKED)


def reassign_alices_spare_wallet_to_erin(ruled: RuledAsset) -> int:
    """ALICE's spare wallet keeps some of her shares while the registrar gives it to a new investor."""
    ruled.transfer(ruled.alice, ruled.alice_spare, SHARE)
    ruled.platform.registry.remove_wallet(ruled.alice_spare.address)
    ruled.platform.registry.register(investor(ruled.chain, "ERIN", ruled.alice_spare))
    return ruled.platform.registry.get("ERIN").number


def test_a_wallet_still_holding_its_former_investors_shares_cannot_receive(ruled: RuledAsset) -> None:
    erin = reassign_alices_spare_wallet_to_erin(ruled)
    with pytest.raises(ContractRevert) as refused:
        ruled.transfer(ruled.bob, ruled.alice_spare, SHARE)
    alice = ruled.platform.registry.get(ALICE).number
    assert_reverted_with(
        refused, "AssetWalletReassigned", wallet=ruled.alice_spare.address, holdingInvestor=alice, registryInvestor=erin
    )


def test_a_wallet_still_holding_its_former_investors_shares_is_reported_as_refused(ruled: RuledAsset) -> None:
    reassign_alices_spare_wallet_to_erin(ruled)
    assert ruled.restriction(ruled.bob, ruled.alice_spare, SHARE) == Restriction.WALLET_REASSIGNED
    assert not ruled.can_transfer(ruled.bob, ruled.alice_spare, SHARE)


# == which reason wins =========================================================================


@pytest.mark.every_chain
def test_pause_is_reported_before_every_other_reason(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    ruled.platform.controls.pause("KLP", reason="maintenance")
    assert_transfer_refused(ruled, ruled.alice, ruled.outsider, ALICE_HOLDS + 1, Restriction.PAUSED)


@pytest.mark.every_chain
def test_an_insufficient_balance_is_reported_before_the_parties(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    assert ruled.restriction(ruled.alice, ruled.outsider, ALICE_HOLDS + 1) == Restriction.INSUFFICIENT_BALANCE
    with pytest.raises(ContractRevert) as refused:
        ruled.transfer(ruled.alice, ruled.outsider, ALICE_HOLDS + 1)
    assert_reverted_with(
        refused, "ERC20InsufficientBalance", sender=ruled.alice.address, balance=ALICE_HOLDS, needed=ALICE_HOLDS + 1
    )


def test_the_sender_is_reported_before_the_receiver(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.SENDER_REVOKED)


def test_the_lockup_is_reported_before_the_receivers_rules(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_lockup("KLP", now(ruled.chain) + DAY)
    ruled.platform.compliance.set_minimum_lot("KLP", 10 * SHARE)
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.LOCKED_UP)


def test_the_receivers_registration_is_reported_before_its_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["US"])
    ruled.platform.registry.revoke(CAROL)
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, SHARE, Restriction.RECEIVER_REVOKED)


def test_the_receivers_country_is_reported_before_the_investor_limits(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    ruled.platform.compliance.set_max_balance("KLP", SHARE)
    ruled.platform.compliance.block_countries("KLP", ["US"])
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, 2 * SHARE, Restriction.COUNTRY_BLOCKED)


def test_the_max_balance_is_reported_before_the_max_holders(ruled: RuledAsset) -> None:
    ruled.platform.compliance.set_max_holders("KLP", 2)
    ruled.platform.compliance.set_max_balance("KLP", SHARE)
    assert_transfer_refused(ruled, ruled.alice, ruled.carol, 2 * SHARE, Restriction.MAX_BALANCE_EXCEEDED)
