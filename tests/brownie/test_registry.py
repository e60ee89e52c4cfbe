"""InvestorRegistry: registration, updates, revocation and wallets, in Brownie's idiom."""

import brownie
from helpers import GB, HK, INSTITUTIONAL, PROFESSIONAL, RETAIL, SG, YEAR, investor_data, investor_id

ZERO = "0x0000000000000000000000000000000000000000"


def test_register_records_the_investor_on_each_wallet(registry, register, accounts):
    tx = register("HK-0001", accounts[1], accounts[2], country=HK, investor_class=PROFESSIONAL)

    assert tx.events["InvestorRegistered"]["investorId"] == "0x" + investor_id("HK-0001").hex()
    assert tx.events["InvestorRegistered"]["investor"] == registry.investorNumber(investor_id("HK-0001")) == 1
    assert [e["wallet"] for e in tx.events["WalletAdded"]] == [accounts[1], accounts[2]]
    assert registry.investorCount() == 1
    assert registry.walletsOf(investor_id("HK-0001")) == [accounts[1], accounts[2]]
    for wallet in (accounts[1], accounts[2]):
        assert registry.isVerified(wallet)
        assert registry.investorCountry(wallet) == HK
        assert registry.walletWord(wallet) & (2**48 - 1) == 1  # the investor's number
    assert not registry.isVerified(accounts[3])


def test_batch_registration_is_all_or_nothing(registry, operator, accounts, chain):
    expiry = chain.time() + YEAR
    batch = [
        investor_data("HK-0001", [accounts[1]], HK, PROFESSIONAL, expiry),
        investor_data("SG-0001", [accounts[2]], SG, RETAIL, expiry),
        investor_data("GB-0001", [accounts[1]], GB, INSTITUTIONAL, expiry),  # wallet already taken
    ]
    with brownie.reverts():
        registry.batchRegisterInvestors(batch, {"from": operator})
    assert registry.investorCount() == 0
    assert not registry.isVerified(accounts[2])

    registry.batchRegisterInvestors(batch[:2], {"from": operator})
    assert registry.investorCount() == 2
    assert registry.isVerified(accounts[1]) and registry.isVerified(accounts[2])


def test_a_wallet_belongs_to_one_investor(register, accounts):
    register("HK-0001", accounts[1])
    with brownie.reverts(f"RegistryWalletTaken: {str(accounts[1]).lower()}"):
        register("HK-0002", accounts[1])


def test_an_id_is_registered_once(register, accounts):
    register("HK-0001", accounts[1])
    with brownie.reverts(f"RegistryInvestorExists: {investor_id('HK-0001')!r}"):
        register("HK-0001", accounts[2])


def test_invalid_registrations_are_refused(registry, operator, accounts, chain):
    expiry = chain.time() + YEAR
    with brownie.reverts("RegistryInvalidCountry: 0"):
        registry.registerInvestor(investor_data("XX-0001", [accounts[1]], 0, RETAIL, expiry), {"from": operator})
    with brownie.reverts("RegistryZeroWallet: "):
        registry.registerInvestor(investor_data("XX-0001", [ZERO], HK, RETAIL, expiry), {"from": operator})
    with brownie.reverts(f"RegistryWalletCount: {investor_id('XX-0001')!r}, 0, 16"):
        registry.registerInvestor(investor_data("XX-0001", [], HK, RETAIL, expiry), {"from": operator})


def test_only_the_registrar_registers(registry, accounts, chain):
    data = investor_data("HK-0001", [accounts[1]], HK, RETAIL, chain.time() + YEAR)
    with brownie.reverts():
        registry.registerInvestor(data, {"from": accounts[1]})
    assert registry.investorCount() == 0


def test_kyc_expiry_ends_verification(registry, register, accounts, chain):
    register("HK-0001", accounts[1], kyc_seconds=3600)
    assert registry.isVerified(accounts[1])
    chain.sleep(3700)  # a margin: Brownie's clock and the node's can differ by a second
    chain.mine()
    assert not registry.isVerified(accounts[1])


def test_update_revoke_and_reinstate_reach_every_wallet(registry, register, operator, accounts, chain):
    register("HK-0001", accounts[1], accounts[2])
    hk1 = investor_id("HK-0001")
    registry.updateInvestor(hk1, SG, INSTITUTIONAL, chain.time() + 2 * YEAR, {"from": operator})
    assert registry.investorCountry(accounts[2]) == SG

    tx = registry.revokeInvestor(hk1, {"from": operator})
    assert "InvestorRevoked" in tx.events
    assert not registry.isVerified(accounts[1]) and not registry.isVerified(accounts[2])

    registry.reinstateInvestor(hk1, {"from": operator})
    assert registry.isVerified(accounts[1]) and registry.isVerified(accounts[2])


def test_wallets_are_added_and_removed(registry, register, operator, accounts):
    register("HK-0001", accounts[1])
    hk1 = investor_id("HK-0001")
    registry.addWallet(hk1, accounts[3], {"from": operator})
    assert registry.isVerified(accounts[3])

    registry.removeWallet(hk1, accounts[1], {"from": operator})
    assert not registry.isVerified(accounts[1])
    assert registry.walletsOf(hk1) == [accounts[3]]
    with brownie.reverts(f"RegistryWalletCount: {hk1!r}, 0, 16"):
        registry.removeWallet(hk1, accounts[3], {"from": operator})  # an investor keeps one wallet
