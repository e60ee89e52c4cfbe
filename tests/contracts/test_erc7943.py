"""ERC-7943 (uRWA) views: canSend, canReceive and canTransfer agree with the checks a transfer makes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rwakit.contracts.restrictions import Restriction
from tests.conftest import advance_time, now
from tests.contracts.rwa import ALICE, BOB, SHARE, RuledAsset

Spoil = Callable[[RuledAsset], None]


def can_send(ruled: RuledAsset, wallet: str) -> bool:
    return bool(ruled.token.functions.canSend(wallet).call())


def can_receive(ruled: RuledAsset, wallet: str) -> bool:
    return bool(ruled.token.functions.canReceive(wallet).call())


def _freeze(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_wallet("KLP", ruled.bob.address, reason="x")


def _revoke(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(BOB)


def _expire(ruled: RuledAsset) -> None:
    ruled.platform.registry.update(BOB, kyc_expiry=now(ruled.chain) + 60)
    advance_time(ruled.chain, 61)


def _remove(ruled: RuledAsset) -> None:
    ruled.platform.registry.remove_wallet(ruled.bob.address)


def _block_country(ruled: RuledAsset) -> None:
    ruled.platform.compliance.block_countries("KLP", ["SG"])


def _allow_list_without_it(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_countries("KLP", ["HK"])
    ruled.platform.compliance.enable_allow_list("KLP")


def _retail_only(ruled: RuledAsset) -> None:
    ruled.platform.compliance.allow_classes("KLP", ["retail"])


PARTY_STATES = [
    pytest.param(_freeze, id="frozen"),
    pytest.param(_revoke, id="revoked"),
    pytest.param(_expire, id="kyc-expired"),
    pytest.param(_remove, id="wallet-removed"),
]
RECEIVER_RULES = [
    pytest.param(_block_country, id="country-blocked"),
    pytest.param(_allow_list_without_it, id="country-not-allowed"),
    pytest.param(_retail_only, id="class-not-allowed"),
]


def test_a_verified_holder_can_send_and_receive(ruled: RuledAsset) -> None:
    assert can_send(ruled, ruled.bob.address) and can_receive(ruled, ruled.bob.address)


def test_a_verified_wallet_that_never_held_can_send_and_receive(ruled: RuledAsset) -> None:
    assert can_send(ruled, ruled.carol.address) and can_receive(ruled, ruled.carol.address)


def test_an_unregistered_wallet_can_neither_send_nor_receive(ruled: RuledAsset) -> None:
    assert not can_send(ruled, ruled.outsider.address) and not can_receive(ruled, ruled.outsider.address)


@pytest.mark.parametrize("spoil", PARTY_STATES)
def test_a_refused_party_can_neither_send_nor_receive(ruled: RuledAsset, spoil: Spoil) -> None:
    spoil(ruled)
    assert not can_send(ruled, ruled.bob.address) and not can_receive(ruled, ruled.bob.address)


@pytest.mark.parametrize("spoil", RECEIVER_RULES)
def test_a_receiver_rule_stops_receiving_but_not_sending(ruled: RuledAsset, spoil: Spoil) -> None:
    spoil(ruled)
    assert can_send(ruled, ruled.bob.address) and not can_receive(ruled, ruled.bob.address)


@pytest.mark.parametrize("spoil", [*PARTY_STATES, *RECEIVER_RULES])
def test_can_transfer_is_true_exactly_when_no_restriction_is_detected(ruled: RuledAsset, spoil: Spoil) -> None:
    spoil(ruled)
    for sender, to in [(ruled.alice, ruled.bob), (ruled.bob, ruled.alice)]:
        code = ruled.restriction(sender, to, SHARE)
        assert ruled.can_transfer(sender, to, SHARE) is (code == Restriction.SUCCESS)


def test_can_transfer_counts_frozen_tokens_and_the_balance(ruled: RuledAsset) -> None:
    ruled.platform.controls.freeze_tokens("KLP", ruled.alice.address, 10, reason="x")
    balance = ruled.balance(ruled.alice)
    assert ruled.can_transfer(ruled.alice, ruled.bob, balance - 10)
    assert not ruled.can_transfer(ruled.alice, ruled.bob, balance - 9)
    assert can_send(ruled, ruled.alice.address)  # account-level: a partial freeze does not stop sending


def test_get_frozen_tokens_is_zero_for_a_wallet_never_frozen(ruled: RuledAsset) -> None:
    assert ruled.token.functions.getFrozenTokens(ruled.carol.address).call() == 0


def test_reinstating_restores_can_send_and_can_receive(ruled: RuledAsset) -> None:
    ruled.platform.registry.revoke(ALICE)
    ruled.platform.registry.reinstate(ALICE)
    assert can_send(ruled, ruled.alice.address) and can_receive(ruled, ruled.alice.address)
