"""InvestorRegistry: every function, role, error and event, through RegistryService and the raw contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.contracts import decode_revert
from rwakit.errors import AccessDenied, ContractRevert, InvalidInput, NotFound
from rwakit.platform import Platform
from rwakit.registry import Investor, InvestorClass, InvestorInput, RegistryService
from rwakit.registry.service import MAX_WALLETS
from rwakit.units import from_timestamp, investor_id_to_bytes32
from tests.conftest import YEAR, advance_time, investor, now
from tests.contracts.erc20_behaviour import ZERO_ADDRESS, assert_reverted_with

REGISTRAR_ROLE = Web3.keccak(text="REGISTRAR_ROLE").to_0x_hex()
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
EMPTY_RECORD = [0, 0, 0, 0, False, False]  # Wallet(investor, kycExpiry, country, investorClass, revoked, multiWallet)
HK, SG, US = 344, 702, 840
ALICE, BOB = "ALICE", "BOB"


def raw_id(investor_id: str) -> bytes:
    return investor_id_to_bytes32(investor_id)


def hex_id(investor_id: str) -> str:
    return "0x" + raw_id(investor_id).hex()


def fake_wallet(n: int) -> str:
    """A valid address nobody holds a key for: wallets need not sign to be registered."""
    return Web3.to_checksum_address(f"0x{n:040x}")


def send(platform: Platform, signer: Signer, call: ContractFunction) -> TxReceipt:
    return platform.txm.transact(signer, call, label=f"{call.fn_name} by {signer.address}")


def events(registry: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
    return [dict(log["args"]) for log in registry.events[name]().process_receipt(receipt, errors=DISCARD)]


def record(registry: Contract, wallet: Signer | str) -> list[Any]:
    """The registry's per-wallet compliance record, as a list for easy comparison."""
    return list(registry.functions.wallet(wallet if isinstance(wallet, str) else wallet.address).call())


def raw_data(investor_id: bytes, wallets: list[str], country: int = HK, kyc_expiry: int = 2**39) -> tuple[Any, ...]:
    """InvestorData for a raw contract call, bypassing RegistryService's validation."""
    return (investor_id, wallets, country, int(InvestorClass.RETAIL), kyc_expiry)


@pytest.fixture
def registry(platform: Platform) -> Contract:
    return platform.registry.contract


@pytest.fixture
def alice(platform: Platform, chain: Chain) -> InvestorInput:
    """ALICE, registered with two wallets (signers 1 and 2)."""
    data = investor(chain, ALICE, chain.signers[1], chain.signers[2])
    platform.registry.register(data)
    return data


# == register ==================================================================================


def test_register_records_the_investor_and_their_wallets(platform: Platform, chain: Chain) -> None:
    data = investor(chain, ALICE, chain.signers[1], chain.signers[2], country="HK", investor_class="institutional")
    platform.registry.register(data)
    expiry = data.kyc_expiry
    assert isinstance(expiry, int)
    assert platform.registry.get(ALICE) == Investor(
        investor_id=ALICE, number=1, wallets=data.wallets, country=HK, investor_class=InvestorClass.INSTITUTIONAL,
        kyc_expiry=from_timestamp(expiry), revoked=False, verified=True,
    )  # fmt: skip
    assert platform.registry.investor_of(chain.signers[2].address) == ALICE


def test_register_emits_investor_registered_and_one_wallet_added_per_wallet(
    platform: Platform, chain: Chain, registry: Contract
) -> None:
    data = investor(chain, ALICE, chain.signers[1], chain.signers[2], investor_class="retail")
    receipt = platform.registry.register(data)
    assert events(registry, "InvestorRegistered", receipt) == [
        {"investorId": raw_id(ALICE), "investor": 1, "country": HK, "investorClass": 0, "kycExpiry": data.kyc_expiry}
    ]
    assert events(registry, "WalletAdded", receipt) == [
        {"investorId": raw_id(ALICE), "wallet": w} for w in data.wallets
    ]


def test_registering_an_existing_id_reverts_with_investor_exists(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.register(investor(chain, ALICE, chain.signers[3]))
    assert_reverted_with(refused, "RegistryInvestorExists", investorId=hex_id(ALICE))


def test_registering_a_taken_wallet_reverts_with_wallet_taken(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.register(investor(chain, BOB, chain.signers[3], chain.signers[2]))
    assert_reverted_with(refused, "RegistryWalletTaken", wallet=chain.signers[2].address)


def test_registering_the_zero_wallet_reverts_with_zero_wallet(platform: Platform, chain: Chain) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.register(investor(chain, ALICE, ZERO_ADDRESS))
    assert refused.value.error == "RegistryZeroWallet"


@pytest.mark.parametrize("count", [0, MAX_WALLETS + 1])
def test_registering_too_few_or_too_many_wallets_reverts_with_wallet_count(
    platform: Platform, chain: Chain, registry: Contract, count: int
) -> None:
    call = registry.functions.registerInvestor(raw_data(raw_id(ALICE), [fake_wallet(n + 1) for n in range(count)]))
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, call)
    assert_reverted_with(refused, "RegistryWalletCount", investorId=hex_id(ALICE), count=count, max=MAX_WALLETS)


def test_registering_the_zero_investor_id_reverts_with_invalid_investor_id(
    platform: Platform, chain: Chain, registry: Contract
) -> None:
    call = registry.functions.registerInvestor(raw_data(b"\0" * 32, [chain.signers[1].address]))
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, call)
    assert refused.value.error == "RegistryInvalidInvestorId"


@pytest.mark.parametrize("country", [0, 1000])
def test_registering_a_country_outside_1_to_999_reverts_with_invalid_country(
    platform: Platform, chain: Chain, registry: Contract, country: int
) -> None:
    call = registry.functions.registerInvestor(raw_data(raw_id(ALICE), [chain.signers[1].address], country=country))
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, call)
    assert_reverted_with(refused, "RegistryInvalidCountry", country=country)


def test_the_same_wallet_twice_in_one_registration_reverts_with_wallet_taken(
    platform: Platform, chain: Chain, registry: Contract
) -> None:
    wallet = chain.signers[1].address
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, registry.functions.registerInvestor(raw_data(raw_id(ALICE), [wallet, wallet])))
    assert_reverted_with(refused, "RegistryWalletTaken", wallet=wallet)


# == batch register ============================================================================


def test_batch_register_records_every_investor(platform: Platform, chain: Chain) -> None:
    s = chain.signers
    platform.registry.register_batch([investor(chain, ALICE, s[1]), investor(chain, BOB, s[2], s[3])])
    assert platform.registry.count() == 2
    assert [platform.registry.investor_of(w.address) for w in s[1:4]] == [ALICE, BOB, BOB]


def test_batch_register_is_all_or_nothing_on_a_duplicate_wallet(platform: Platform, chain: Chain) -> None:
    s = chain.signers
    with pytest.raises(ContractRevert) as refused:
        platform.registry.register_batch([investor(chain, ALICE, s[1]), investor(chain, BOB, s[2], s[1])])
    assert_reverted_with(refused, "RegistryWalletTaken", wallet=s[1].address)
    assert platform.registry.count() == 0
    assert platform.registry.investor_of(s[1].address) is None
    with pytest.raises(NotFound):
        platform.registry.get(ALICE)


# == update ====================================================================================


def test_update_rewrites_every_wallet_and_emits_investor_updated(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    expiry = now(chain) + 2 * YEAR
    receipt = platform.registry.update(ALICE, country="SGP", investor_class="retail", kyc_expiry=expiry)
    for wallet in alice.wallets:
        assert record(registry, wallet) == [1, expiry, SG, int(InvestorClass.RETAIL), False, True]
    assert events(registry, "InvestorUpdated", receipt) == [
        {"investorId": raw_id(ALICE), "country": SG, "investorClass": 0, "kycExpiry": expiry}
    ]


def test_update_keeps_the_fields_it_does_not_name(platform: Platform, alice: InvestorInput) -> None:
    before = platform.registry.get(ALICE)
    platform.registry.update(ALICE, country=US)
    assert platform.registry.get(ALICE) == replace(before, country=US)


def test_update_keeps_a_revocation(platform: Platform, chain: Chain, alice: InvestorInput) -> None:
    platform.registry.revoke(ALICE)
    platform.registry.update(ALICE, kyc_expiry=now(chain) + 2 * YEAR)
    assert platform.registry.get(ALICE).revoked
    assert not platform.registry.is_verified(alice.wallets[0])


def test_updating_an_unknown_investor_reverts_with_unknown_investor(
    platform: Platform, chain: Chain, registry: Contract
) -> None:
    call = registry.functions.updateInvestor(raw_id(BOB), HK, 0, 2**39)
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, call)
    assert_reverted_with(refused, "RegistryUnknownInvestor", investorId=hex_id(BOB))


def test_updating_an_unknown_investor_through_the_service_raises_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        platform.registry.update(BOB, country=HK)
    assert missing.value.code == "investor_not_found"


@pytest.mark.parametrize("country", [0, 1000])
def test_updating_to_a_country_outside_1_to_999_reverts_with_invalid_country(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput, country: int
) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, chain.operator, registry.functions.updateInvestor(raw_id(ALICE), country, 0, 2**39))
    assert_reverted_with(refused, "RegistryInvalidCountry", country=country)


def test_renewing_an_expired_kyc_verifies_the_wallets_again(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    advance_time(chain, YEAR + 1)
    assert not platform.registry.is_verified(alice.wallets[0])
    platform.registry.update(ALICE, kyc_expiry=now(chain) + YEAR)
    assert all(platform.registry.is_verified(w) for w in alice.wallets)


# == revoke, batch revoke, reinstate ===========================================================


def test_revoke_marks_every_wallet_revoked_and_emits_investor_revoked(
    platform: Platform, registry: Contract, alice: InvestorInput
) -> None:
    receipt = platform.registry.revoke(ALICE)
    assert [record(registry, w)[4] for w in alice.wallets] == [True, True]
    assert not any(platform.registry.is_verified(w) for w in alice.wallets)
    assert platform.registry.get(ALICE).revoked
    assert events(registry, "InvestorRevoked", receipt) == [{"investorId": raw_id(ALICE)}]


def test_revoking_an_unknown_investor_reverts_with_unknown_investor(platform: Platform) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.revoke(BOB)
    assert_reverted_with(refused, "RegistryUnknownInvestor", investorId=hex_id(BOB))


def test_batch_revoke_revokes_every_investor_and_emits_for_each(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    platform.registry.register(investor(chain, BOB, chain.signers[3]))
    receipt = platform.registry.revoke_batch([ALICE, BOB])
    assert platform.registry.get(ALICE).revoked and platform.registry.get(BOB).revoked
    assert events(registry, "InvestorRevoked", receipt) == [{"investorId": raw_id(ALICE)}, {"investorId": raw_id(BOB)}]


def test_batch_revoke_with_an_unknown_id_revokes_none(platform: Platform, alice: InvestorInput) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.revoke_batch([ALICE, BOB])
    assert_reverted_with(refused, "RegistryUnknownInvestor", investorId=hex_id(BOB))
    assert not platform.registry.get(ALICE).revoked


def test_reinstate_restores_verification_and_emits_investor_reinstated(
    platform: Platform, registry: Contract, alice: InvestorInput
) -> None:
    platform.registry.revoke(ALICE)
    receipt = platform.registry.reinstate(ALICE)
    assert all(platform.registry.is_verified(w) for w in alice.wallets)
    assert not platform.registry.get(ALICE).revoked
    assert events(registry, "InvestorReinstated", receipt) == [{"investorId": raw_id(ALICE)}]


def test_reinstating_an_unknown_investor_reverts_with_unknown_investor(platform: Platform) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.reinstate(BOB)
    assert_reverted_with(refused, "RegistryUnknownInvestor", investorId=hex_id(BOB))


# == add and remove wallets ====================================================================


def test_add_wallet_gives_it_the_investors_record_and_emits_wallet_added(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    new = chain.signers[3].address
    receipt = platform.registry.add_wallet(ALICE, new)
    assert record(registry, new) == record(registry, alice.wallets[0])
    assert platform.registry.investor_of(new) == ALICE
    assert registry.functions.walletsOf(raw_id(ALICE)).call() == [*alice.wallets, new]
    assert events(registry, "WalletAdded", receipt) == [{"investorId": raw_id(ALICE), "wallet": new}]


def test_a_wallet_added_to_a_revoked_investor_is_revoked_too(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    platform.registry.revoke(ALICE)
    platform.registry.add_wallet(ALICE, chain.signers[3].address)
    assert not platform.registry.is_verified(chain.signers[3].address)


def test_adding_a_taken_wallet_reverts_with_wallet_taken(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    platform.registry.register(investor(chain, BOB, chain.signers[3]))
    with pytest.raises(ContractRevert) as refused:
        platform.registry.add_wallet(BOB, alice.wallets[0])
    assert_reverted_with(refused, "RegistryWalletTaken", wallet=alice.wallets[0])


def test_adding_the_zero_wallet_reverts_with_zero_wallet(platform: Platform, alice: InvestorInput) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.add_wallet(ALICE, ZERO_ADDRESS)
    assert refused.value.error == "RegistryZeroWallet"


def test_adding_a_wallet_to_an_unknown_investor_reverts_with_unknown_investor(platform: Platform, chain: Chain) -> None:
    with pytest.raises(ContractRevert) as refused:
        platform.registry.add_wallet(BOB, chain.signers[3].address)
    assert_reverted_with(refused, "RegistryUnknownInvestor", investorId=hex_id(BOB))


def test_an_investor_holds_at_most_max_wallets(platform: Platform, chain: Chain, registry: Contract) -> None:
    assert registry.functions.MAX_WALLETS().call() == MAX_WALLETS == 16
    platform.registry.register(investor(chain, ALICE, *[fake_wallet(n) for n in range(1, MAX_WALLETS + 1)]))
    with pytest.raises(ContractRevert) as refused:
        platform.registry.add_wallet(ALICE, fake_wallet(MAX_WALLETS + 1))
    assert_reverted_with(
        refused, "RegistryWalletCount", investorId=hex_id(ALICE), count=MAX_WALLETS + 1, max=MAX_WALLETS
    )
    assert len(registry.functions.walletsOf(raw_id(ALICE)).call()) == MAX_WALLETS


def test_remove_wallet_clears_its_record_and_emits_wallet_removed(
    platform: Platform, registry: Contract, alice: InvestorInput
) -> None:
    kept, removed = alice.wallets
    receipt = platform.registry.remove_wallet(removed)
    assert record(registry, removed) == EMPTY_RECORD
    assert platform.registry.investor_of(removed) is None
    assert not platform.registry.is_verified(removed)
    assert registry.functions.walletsOf(raw_id(ALICE)).call() == [kept]
    assert events(registry, "WalletRemoved", receipt) == [{"investorId": raw_id(ALICE), "wallet": removed}]


def test_multi_wallet_is_set_from_the_second_wallet_on_every_wallet_and_never_cleared(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    first, second, third = (s.address for s in chain.signers[3:6])
    platform.registry.register(investor(chain, BOB, first))
    assert record(registry, first)[5] is False  # one wallet: its balance is the investor's total
    platform.registry.add_wallet(BOB, second)
    assert [record(registry, w)[5] for w in (first, second)] == [True, True]
    assert registry.functions.investor(raw_id(BOB)).call()[5] is True
    platform.registry.remove_wallet(second)
    platform.registry.add_wallet(BOB, third)
    platform.registry.remove_wallet(third)
    assert record(registry, first)[5] is True  # sticky: a removed wallet may still hold shares
    assert [record(registry, w)[5] for w in alice.wallets] == [True, True]  # registered with two


def test_removing_the_last_wallet_reverts_with_wallet_count(platform: Platform, alice: InvestorInput) -> None:
    platform.registry.remove_wallet(alice.wallets[1])
    with pytest.raises(ContractRevert) as refused:
        platform.registry.remove_wallet(alice.wallets[0])
    assert_reverted_with(refused, "RegistryWalletCount", investorId=hex_id(ALICE), count=0, max=MAX_WALLETS)


def test_removing_an_unknown_wallet_raises_not_found_before_sending(platform: Platform, chain: Chain) -> None:
    with pytest.raises(NotFound) as missing:
        platform.registry.remove_wallet(chain.signers[3].address)
    assert missing.value.code == "wallet_not_registered"


def test_removing_a_wallet_of_another_investor_reverts_with_unknown_wallet(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    platform.registry.register(investor(chain, BOB, chain.signers[3]))
    for wallet in (chain.signers[3].address, chain.signers[9].address):  # Bob's, and nobody's
        with pytest.raises(ContractRevert) as refused:
            send(platform, chain.operator, registry.functions.removeWallet(raw_id(ALICE), wallet))
        assert_reverted_with(refused, "RegistryUnknownWallet", investorId=hex_id(ALICE), wallet=wallet)
    assert platform.registry.investor_of(chain.signers[3].address) == BOB


def test_a_removed_wallet_can_join_another_investor(platform: Platform, chain: Chain, alice: InvestorInput) -> None:
    platform.registry.remove_wallet(alice.wallets[1])
    platform.registry.register(investor(chain, BOB, alice.wallets[1]))
    assert platform.registry.investor_of(alice.wallets[1]) == BOB


# == views =====================================================================================


def test_an_unregistered_wallet_has_an_empty_record(platform: Platform, chain: Chain, registry: Contract) -> None:
    stranger = chain.signers[9].address
    assert record(registry, stranger) == EMPTY_RECORD
    assert platform.registry.investor_of(stranger) is None
    assert registry.functions.investorCountry(stranger).call() == 0
    assert not registry.functions.isVerified(stranger).call()
    assert registry.functions.walletsOf(raw_id(BOB)).call() == []


def wallet_word(investor: int, kyc_expiry: int, country: int, investor_class: int, revoked: bool, multi: bool) -> int:
    """The registry's packed wallet word: investor bits 0-47, KYC expiry 48-87, country 88-103,
    class 104-111, revoked 112-119, multiWallet 120-127."""
    return investor | kyc_expiry << 48 | country << 88 | investor_class << 104 | int(revoked) << 112 | int(multi) << 120


def test_wallet_word_packs_the_record_in_its_documented_layout(
    platform: Platform, registry: Contract, alice: InvestorInput
) -> None:
    platform.registry.update(ALICE, country="SGP", investor_class="institutional")
    platform.registry.revoke(ALICE)
    expected = wallet_word(1, int(alice.kyc_expiry), SG, int(InvestorClass.INSTITUTIONAL), True, True)  # type: ignore[arg-type]
    assert [registry.functions.walletWord(w).call() for w in alice.wallets] == [expected, expected]
    assert list(registry.functions.wallet(alice.wallets[0]).call()) == [1, alice.kyc_expiry, SG, 2, True, True]


def test_wallet_word_of_an_unregistered_or_removed_wallet_is_zero(
    platform: Platform, chain: Chain, registry: Contract, alice: InvestorInput
) -> None:
    platform.registry.remove_wallet(alice.wallets[1])
    assert registry.functions.walletWord(chain.signers[9].address).call() == 0
    assert registry.functions.walletWord(alice.wallets[1]).call() == 0


@pytest.mark.parametrize("country, code", [("HK", HK), ("SGP", SG), (US, US), ("840", US)])
def test_investor_country_is_the_iso_numeric_code(
    platform: Platform, chain: Chain, registry: Contract, country: str | int, code: int
) -> None:
    platform.registry.register(replace(investor(chain, ALICE, chain.signers[1]), country=country))
    assert registry.functions.investorCountry(chain.signers[1].address).call() == code


def test_kyc_expiry_ends_verification(platform: Platform, chain: Chain, alice: InvestorInput) -> None:
    platform.registry.update(ALICE, kyc_expiry=now(chain) + 60)
    assert platform.registry.is_verified(alice.wallets[0])
    advance_time(chain, 61)
    assert not platform.registry.is_verified(alice.wallets[0])
    assert not platform.registry.get(ALICE).verified


def test_investor_count_counts_every_investor_ever_registered(
    platform: Platform, chain: Chain, alice: InvestorInput
) -> None:
    platform.registry.register(investor(chain, BOB, chain.signers[3]))
    platform.registry.revoke(BOB)
    assert platform.registry.count() == 2
    assert platform.registry.get(BOB).number == 2


def test_the_investor_view_of_an_unknown_id_reverts_with_unknown_investor(registry: Contract) -> None:
    with pytest.raises(ContractCustomError) as refused:
        registry.functions.investor(raw_id(BOB)).call()
    decoded = decode_revert(refused.value.data)  # type: ignore[arg-type]
    assert decoded is not None and (decoded.name, decoded.args) == (
        "RegistryUnknownInvestor",
        {"investorId": hex_id(BOB)},
    )


def test_get_of_an_unknown_investor_raises_not_found(platform: Platform) -> None:
    with pytest.raises(NotFound) as missing:
        platform.registry.get(BOB)
    assert missing.value.code == "investor_not_found"


# == roles =====================================================================================


def test_the_deployer_holds_the_admin_and_registrar_roles(platform: Platform, chain: Chain, registry: Contract) -> None:
    assert "0x" + registry.functions.REGISTRAR_ROLE().call().hex() == REGISTRAR_ROLE
    assert registry.functions.hasRole(DEFAULT_ADMIN_ROLE, chain.operator.address).call()
    assert registry.functions.hasRole(REGISTRAR_ROLE, chain.operator.address).call()


def test_a_granted_registrar_can_register(platform: Platform, chain: Chain, registry: Contract) -> None:
    registrar = chain.signers[8]
    send(platform, chain.operator, registry.functions.grantRole(REGISTRAR_ROLE, registrar.address))
    RegistryService(chain, platform.txm, platform.registry.address, registrar).register(
        investor(chain, ALICE, chain.signers[1])
    )
    assert platform.registry.investor_of(chain.signers[1].address) == ALICE


NON_REGISTRAR_CALLS = [
    pytest.param(lambda r, w: r.functions.registerInvestor(raw_data(raw_id(BOB), [w])), id="registerInvestor"),
    pytest.param(lambda r, w: r.functions.batchRegisterInvestors([raw_data(raw_id(BOB), [w])]), id="batchRegister"),
    pytest.param(lambda r, w: r.functions.updateInvestor(raw_id(ALICE), HK, 0, 2**39), id="updateInvestor"),
    pytest.param(lambda r, w: r.functions.revokeInvestor(raw_id(ALICE)), id="revokeInvestor"),
    pytest.param(lambda r, w: r.functions.batchRevokeInvestors([raw_id(ALICE)]), id="batchRevokeInvestors"),
    pytest.param(lambda r, w: r.functions.reinstateInvestor(raw_id(ALICE)), id="reinstateInvestor"),
    pytest.param(lambda r, w: r.functions.addWallet(raw_id(ALICE), w), id="addWallet"),
    pytest.param(lambda r, w: r.functions.removeWallet(raw_id(ALICE), w), id="removeWallet"),
]


@pytest.mark.parametrize("make_call", NON_REGISTRAR_CALLS)
def test_a_non_registrar_is_refused(
    platform: Platform,
    chain: Chain,
    registry: Contract,
    alice: InvestorInput,
    make_call: Callable[[Contract, str], ContractFunction],
) -> None:
    outsider = chain.signers[9]
    with pytest.raises(AccessDenied) as refused:
        send(platform, outsider, make_call(registry, alice.wallets[1]))
    assert_reverted_with(
        refused, "AccessControlUnauthorizedAccount", account=outsider.address, neededRole=REGISTRAR_ROLE
    )


# == Python-side validation: nothing reaches the chain =========================================


def _naive_expiry(chain: Chain) -> InvestorInput:
    return replace(investor(chain, ALICE, chain.signers[1]), kyc_expiry=datetime(2030, 1, 1))


INVALID_REGISTRATIONS = [
    pytest.param(lambda c: investor(c, ALICE, "0x123"), "invalid_address", id="bad-address"),
    pytest.param(lambda c: investor(c, ALICE, c.signers[1], country="XX"), "invalid_country", id="unknown-country"),
    pytest.param(
        lambda c: replace(investor(c, ALICE, c.signers[1]), country=1000), "invalid_country", id="country-over-999"
    ),
    pytest.param(lambda c: replace(investor(c, ALICE, c.signers[1]), country=0), "invalid_country", id="country-zero"),
    pytest.param(lambda c: investor(c, "no spaces", c.signers[1]), "invalid_investor_id", id="bad-investor-id"),
    pytest.param(
        lambda c: investor(c, ALICE, c.signers[1], investor_class="x"), "invalid_investor_class", id="bad-class"
    ),
    pytest.param(lambda c: investor(c, ALICE), "invalid_wallet_count", id="no-wallets"),
    pytest.param(lambda c: investor(c, ALICE, c.signers[1], c.signers[1]), "duplicate_wallet", id="wallet-twice"),
    pytest.param(_naive_expiry, "naive_datetime", id="naive-kyc-expiry"),
]


@pytest.mark.parametrize("make_input, code", INVALID_REGISTRATIONS)
def test_an_invalid_registration_is_refused_before_sending(
    platform: Platform, chain: Chain, make_input: Callable[[Chain], InvestorInput], code: str
) -> None:
    nonce = chain.w3.eth.get_transaction_count(chain.operator.address)
    with pytest.raises(InvalidInput) as invalid:
        platform.registry.register(make_input(chain))
    assert invalid.value.code == code
    assert chain.w3.eth.get_transaction_count(chain.operator.address) == nonce


def test_a_batch_naming_an_investor_id_twice_is_refused_before_sending(platform: Platform, chain: Chain) -> None:
    with pytest.raises(InvalidInput) as invalid:
        platform.registry.register_batch(
            [investor(chain, ALICE, chain.signers[1]), investor(chain, ALICE, chain.signers[2])]
        )
    assert invalid.value.code == "duplicate_investor"
    assert platform.registry.count() == 0


def test_an_empty_batch_is_refused(platform: Platform) -> None:
    with pytest.raises(InvalidInput) as invalid:
        platform.registry.register_batch([])
    assert invalid.value.code == "empty_batch"


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda r: r.add_wallet(ALICE, "not-an-address"), id="add_wallet"),
        pytest.param(lambda r: r.remove_wallet("0xabc"), id="remove_wallet"),
        pytest.param(lambda r: r.investor_of("0x" + "g" * 40), id="investor_of"),
    ],
)
def test_a_malformed_wallet_address_is_refused(platform: Platform, action: Callable[[RegistryService], object]) -> None:
    with pytest.raises(InvalidInput) as invalid:
        action(platform.registry)
    assert invalid.value.code == "invalid_address"


def test_investors_of_answers_many_wallets_in_one_read(platform: Platform, chain: Chain) -> None:
    s = chain.signers
    platform.registry.register_batch([investor(chain, ALICE, s[1], s[2]), investor(chain, BOB, s[3])])
    asked = [s[1].address, s[9].address, s[3].address, s[1].address.lower(), s[2].address]
    assert platform.registry.investors_of(asked) == {
        s[1].address: ALICE, s[9].address: None, s[3].address: BOB, s[2].address: ALICE
    }
    assert platform.registry.investors_of([]) == {}


def test_a_cached_investor_id_is_dropped_when_its_number_goes_to_someone_else(platform: Platform, chain: Chain) -> None:
    """A reverted snapshot (or a reorganised chain) can give ALICE's number to BOB: the cache must not answer ALICE."""
    s = chain.signers
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    platform.registry.register(investor(chain, ALICE, s[1]))
    assert platform.registry.investor_of(s[1].address) == ALICE
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()
    platform.registry.register(investor(chain, BOB, s[2]))
    assert platform.registry.get(BOB).number == 1
    assert platform.registry.investor_of(s[2].address) == BOB
    assert platform.registry.investor_of(s[1].address) is None
