"""AssetToken: the ERC-20 behaviour suite, then every function, role, error and compliance rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ComplianceError, ContractRevert
from rwakit.platform import Platform
from rwakit.tokenize import AssetKind, AssetSpec
from tests.conftest import advance_time, investor, now
from tests.contracts.erc20_behaviour import ZERO_ADDRESS, ERC20Behaviour, ERC20Case, assert_reverted_with
from tests.contracts.erc165 import interface_id

DECIMALS = 6
SHARE = 10**DECIMALS
AUTHORISED = 1_000_000 * SHARE
SUPPLY = 1_000 * SHARE  # all held by ALICE's main wallet at the start of every test
DOCUMENT_URI = "ipfs://offering-memorandum"
DOCUMENT_HASH = bytes.fromhex("ab" * 32)
OFFERING = b"offering".ljust(32, b"\0")  # the ERC-1643 name of the document given at creation
ALICE, BOB, CAROL = "ALICE", "BOB", "CAROL"
ISSUER_ROLE = Web3.keccak(text="ISSUER_ROLE").to_0x_hex()
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
SOLIDITY_RESTRICTIONS = Path(__file__).parents[2] / "contracts" / "token" / "TransferRestrictions.sol"


@dataclass(frozen=True)
class Market:
    """One asset and its investors. ALICE (wallets alice, alice_spare) holds SUPPLY in `alice`;
    BOB (bob, bob_spare) and CAROL (carol) hold nothing; `outsider` was never registered."""

    token: Contract
    issuer: Signer
    alice: Signer
    alice_spare: Signer
    bob: Signer
    bob_spare: Signer
    carol: Signer
    newcomer: Signer  # funded, unregistered: a wallet a test may add to an investor
    outsider: Signer


@pytest.fixture(scope="module")
def market(platform: Platform, chain: Chain) -> Iterator[Market]:
    """Built once per module inside its own snapshot; every test's snapshot then reverts to it."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    s = chain.signers
    platform.registry.register_batch([
        investor(chain, ALICE, s[1], s[4]), investor(chain, BOB, s[2], s[5]), investor(chain, CAROL, s[3]),
    ])  # fmt: skip
    spec = AssetSpec("Harbour View Tower", "HVT", DECIMALS, "property", AUTHORISED // SHARE, DOCUMENT_URI,
                     "0x" + DOCUMENT_HASH.hex())  # fmt: skip
    token = platform.assets.token(platform.assets.create(spec).address)
    platform.txm.transact(chain.operator, token.functions.mint(s[1].address, SUPPLY), label="mint")
    yield Market(token, chain.operator, s[1], s[4], s[2], s[5], s[3], s[7], s[9])
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()


def send(platform: Platform, signer: Signer, call: ContractFunction) -> TxReceipt:
    return platform.txm.transact(signer, call, label=f"{call.fn_name} by {signer.address}")


def mine_despite_revert(platform: Platform, chain: Chain, signer: Signer, call: ContractFunction) -> TxReceipt:
    """Send with fixed gas, skipping the manager's pre-send estimate, so the node mines the failing transaction."""
    w3 = chain.w3
    nonce = w3.eth.get_transaction_count(signer.address, "pending")
    tx = call.build_transaction({"from": signer.address, "gas": 1_000_000, "nonce": nonce, "chainId": chain.chain_id})
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signer.sign_transaction(dict(tx))))
    platform.txm.reset_nonce(signer.address)
    return receipt


def balance(market: Market, account: Signer | str) -> int:
    return int(market.token.functions.balanceOf(account if isinstance(account, str) else account.address).call())


def supply(market: Market) -> int:
    return int(market.token.functions.totalSupply().call())


def events(market: Market, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
    return [dict(log["args"]) for log in market.token.events[name]().process_receipt(receipt, errors=DISCARD)]


def restriction(market: Market, sender: Signer | str, to: Signer | str, amount: int) -> int:
    """detectTransferRestriction; a zero-address sender asks about an issuance."""
    a, b = (x if isinstance(x, str) else x.address for x in (sender, to))
    return int(market.token.functions.detectTransferRestriction(a, b, amount).call())


def can_transfer(market: Market, sender: Signer | str, to: Signer | str, amount: int) -> bool:
    a, b = (x if isinstance(x, str) else x.address for x in (sender, to))
    return bool(market.token.functions.canTransfer(a, b, amount).call())


def assert_refused(refused: pytest.ExceptionInfo[ComplianceError], expected: Restriction) -> None:
    """A typed compliance refusal carrying the restriction's code and machine-readable reason."""
    assert (refused.value.reason_code, refused.value.reason) == (int(expected), expected.name.lower())
    assert refused.value.code == "compliance_refused"


# -- party states a registrar can put an investor in -------------------------------------------


def remove_wallet(platform: Platform, chain: Chain, investor_id: str, wallet: Signer) -> None:
    platform.registry.remove_wallet(wallet.address)


def expire_kyc(platform: Platform, chain: Chain, investor_id: str, wallet: Signer) -> None:
    platform.registry.update(investor_id, kyc_expiry=now(chain) + 60)
    advance_time(chain, 61)


def revoke(platform: Platform, chain: Chain, investor_id: str, wallet: Signer) -> None:
    platform.registry.revoke(investor_id)


Spoil = Callable[[Platform, Chain, str, Signer], None]
REFUSED_PARTIES = [
    pytest.param(remove_wallet, "NOT_REGISTERED", id="wallet-removed"),
    pytest.param(expire_kyc, "KYC_EXPIRED", id="kyc-expired"),
    pytest.param(revoke, "REVOKED", id="revoked"),
]


# == ERC-20 ====================================================================================


class TestAssetTokenBehavesLikeERC20(ERC20Behaviour):
    @pytest.fixture
    def erc20(self, platform: Platform, market: Market) -> ERC20Case:
        return ERC20Case(
            token=market.token, txm=platform.txm, holder=market.alice, recipient=market.bob, spender=market.carol,
            supply=SUPPLY, name="Harbour View Tower", symbol="HVT", decimals=DECIMALS,
        )  # fmt: skip


class TestPlainERC20BehavesLikeERC20(ERC20Behaviour):
    """The suite's control: OpenZeppelin's unrestricted ERC20 must pass it too."""

    @pytest.fixture
    def erc20(self, platform: Platform, chain: Chain) -> ERC20Case:
        holder, recipient, spender = chain.signers[1:4]
        address, _ = platform.txm.deploy(
            chain.operator, load_artifact("PlainERC20").factory(chain.w3).constructor(), label="deploy PlainERC20"
        )
        token = load_artifact("PlainERC20").at(chain.w3, address)
        platform.txm.transact(chain.operator, token.functions.mint(holder.address, SUPPLY), label="mint")
        return ERC20Case(token, platform.txm, holder, recipient, spender, SUPPLY, "Plain", "PLN", 18)


# == metadata, roles, interfaces ===============================================================


def test_asset_metadata_is_what_the_issuer_chose(platform: Platform, market: Market) -> None:
    f = market.token.functions
    assert f.assetKind().call() == AssetKind.PROPERTY
    assert f.sharesAuthorised().call() == AUTHORISED
    assert f.getAllDocuments().call() == [OFFERING]
    assert f.getDocument(OFFERING).call()[:2] == [DOCUMENT_URI, DOCUMENT_HASH]
    assert f.investorLimits().call() is False
    assert f.identityRegistry().call() == platform.registry.address
    assert f.paused().call() is False


@pytest.mark.parametrize("decimals", [0, 18])
def test_decimals_are_fixed_at_creation(platform: Platform, decimals: int) -> None:
    asset = platform.assets.create(AssetSpec("Vault", "VLT", decimals, "property", "10"))
    assert platform.assets.token(asset.address).functions.decimals().call() == decimals


def test_a_fund_reports_its_kind(platform: Platform) -> None:
    asset = platform.assets.create(AssetSpec("Income Fund", "INC", 2, "fund", "10"))
    assert platform.assets.token(asset.address).functions.assetKind().call() == AssetKind.FUND


def test_the_creator_holds_the_admin_and_issuer_roles(market: Market) -> None:
    f = market.token.functions
    assert "0x" + f.ISSUER_ROLE().call().hex() == ISSUER_ROLE
    assert f.hasRole(DEFAULT_ADMIN_ROLE, market.issuer.address).call()
    assert f.hasRole(ISSUER_ROLE, market.issuer.address).call()
    assert "0x" + f.getRoleAdmin(ISSUER_ROLE).call().hex() == DEFAULT_ADMIN_ROLE


def test_a_granted_issuer_can_mint_until_the_role_is_revoked(platform: Platform, market: Market) -> None:
    agent = market.newcomer
    send(platform, market.issuer, market.token.functions.grantRole(ISSUER_ROLE, agent.address))
    send(platform, agent, market.token.functions.mint(market.bob.address, 5))
    send(platform, market.issuer, market.token.functions.revokeRole(ISSUER_ROLE, agent.address))
    with pytest.raises(AccessDenied):
        send(platform, agent, market.token.functions.mint(market.bob.address, 5))
    assert balance(market, market.bob) == 5


def test_an_issuer_without_the_admin_role_cannot_change_the_authorised_shares(
    platform: Platform, market: Market
) -> None:
    agent = market.newcomer
    send(platform, market.issuer, market.token.functions.grantRole(ISSUER_ROLE, agent.address))
    with pytest.raises(AccessDenied) as refused:
        send(platform, agent, market.token.functions.setSharesAuthorised(AUTHORISED * 2))
    assert_reverted_with(
        refused, "AccessControlUnauthorizedAccount", account=agent.address, neededRole=DEFAULT_ADMIN_ROLE
    )


def test_renouncing_a_role_for_another_account_reverts_with_bad_confirmation(
    platform: Platform, market: Market
) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.renounceRole(ISSUER_ROLE, market.alice.address))
    assert refused.value.error == "AccessControlBadConfirmation"


NON_ISSUER_CALLS = [
    pytest.param(lambda t, m: t.functions.mint(m.bob.address, 1), ISSUER_ROLE, id="mint"),
    pytest.param(lambda t, m: t.functions.batchMint([m.bob.address], [1]), ISSUER_ROLE, id="batchMint"),
    pytest.param(lambda t, m: t.functions.burn(m.alice.address, 1), ISSUER_ROLE, id="burn"),
    pytest.param(lambda t, m: t.functions.batchBurn([m.alice.address], [1]), ISSUER_ROLE, id="batchBurn"),
    pytest.param(lambda t, m: t.functions.pause(), ISSUER_ROLE, id="pause"),
    pytest.param(lambda t, m: t.functions.unpause(), ISSUER_ROLE, id="unpause"),
    pytest.param(lambda t, m: t.functions.setSharesAuthorised(1), DEFAULT_ADMIN_ROLE, id="setSharesAuthorised"),
    pytest.param(lambda t, m: t.functions.setDocument(OFFERING, "x", b"\0" * 32), ISSUER_ROLE, id="setDocument"),
    pytest.param(lambda t, m: t.functions.removeDocument(OFFERING), ISSUER_ROLE, id="removeDocument"),
    pytest.param(lambda t, m: t.functions.grantRole(ISSUER_ROLE, m.carol.address), DEFAULT_ADMIN_ROLE, id="grantRole"),
]


@pytest.mark.parametrize("make_call, role", NON_ISSUER_CALLS)
def test_a_holder_without_the_role_is_refused(
    platform: Platform, market: Market, make_call: Callable[[Contract, Market], ContractFunction], role: str
) -> None:
    with pytest.raises(AccessDenied) as refused:
        send(platform, market.alice, make_call(market.token, market))
    assert refused.value.code == "access_denied"
    assert_reverted_with(refused, "AccessControlUnauthorizedAccount", account=market.alice.address, neededRole=role)


IASSET_TOKEN_ID = interface_id(load_artifact("AssetToken").abi, "IAssetToken.sol", "IAssetToken")
IERC7943_FUNGIBLE_ID = "0x3edbb4c4"  # the id ERC-7943 (Final) gives IERC7943Fungible
IERC1643_ID = interface_id(load_artifact("AssetToken").abi, "IERC1643.sol", "IERC1643")


def test_the_erc7943_interface_id_from_our_abi_is_the_standards() -> None:
    assert interface_id(load_artifact("AssetToken").abi, "IERC7943.sol", "IERC7943Fungible") == IERC7943_FUNGIBLE_ID


@pytest.mark.parametrize(
    "interface, supported",
    [
        pytest.param("0x36372b07", True, id="IERC20"),
        pytest.param("0x01ffc9a7", True, id="ERC165"),
        pytest.param("0x7965db0b", True, id="IAccessControl"),
        pytest.param(IERC7943_FUNGIBLE_ID, True, id="IERC7943Fungible"),
        pytest.param(IERC1643_ID, True, id="IERC1643"),
        pytest.param(IASSET_TOKEN_ID, True, id="IAssetToken"),
        pytest.param("0xdeadbeef", False, id="random"),
        pytest.param("0xffffffff", False, id="ERC165-invalid"),
    ],
)
def test_supports_interface(market: Market, interface: str, supported: bool) -> None:
    assert market.token.functions.supportsInterface(bytes.fromhex(interface[2:])).call() is supported


# == restriction codes and messages ============================================================

MESSAGES = {
    Restriction.SUCCESS: "Transfer allowed",
    Restriction.PAUSED: "Transfers of this asset are paused",
    Restriction.SENDER_NOT_REGISTERED: "Sender is not a registered investor",
    Restriction.RECEIVER_NOT_REGISTERED: "Receiver is not a registered investor",
    Restriction.SENDER_KYC_EXPIRED: "Sender's KYC has expired",
    Restriction.RECEIVER_KYC_EXPIRED: "Receiver's KYC has expired",
    Restriction.SENDER_REVOKED: "Sender has been revoked",
    Restriction.RECEIVER_REVOKED: "Receiver has been revoked",
    Restriction.INSUFFICIENT_BALANCE: "Sender's balance is too low",
    Restriction.EXCEEDS_AUTHORISED: "Issuance would exceed the authorised shares",
    Restriction.SENDER_FROZEN: "Sender's wallet is frozen",
    Restriction.RECEIVER_FROZEN: "Receiver's wallet is frozen",
    Restriction.INSUFFICIENT_UNFROZEN_BALANCE: "Sender's unfrozen balance is too low",
    Restriction.LOCKED_UP: "Shares are locked up",
    Restriction.BELOW_MINIMUM_LOT: "Amount is below the minimum transfer lot",
    Restriction.COUNTRY_NOT_ALLOWED: "Receiver's country is not allowed",
    Restriction.COUNTRY_BLOCKED: "Receiver's country is blocked",
    Restriction.CLASS_NOT_ALLOWED: "Receiver's investor class is not allowed",
    Restriction.MAX_HOLDERS_REACHED: "The asset has reached its maximum number of holders",
    Restriction.MAX_BALANCE_EXCEEDED: "Receiver would exceed the maximum balance per investor",
    Restriction.WALLET_REASSIGNED: "Receiver's wallet holds another investor's shares: recover them first",
    Restriction.SENDER_WALLET_REASSIGNED: (
        "Sender's wallet holds shares of an investor it no longer belongs to: recover them first"
    ),
}


@pytest.mark.parametrize("code", list(Restriction), ids=lambda r: r.name)
def test_each_restriction_code_has_its_solidity_message(market: Market, code: Restriction) -> None:
    assert market.token.functions.messageForTransferRestriction(int(code)).call() == MESSAGES[code]


def test_the_python_restriction_table_mirrors_the_solidity_library() -> None:
    constants = re.findall(r"uint8 internal constant (\w+) = (\d+);", SOLIDITY_RESTRICTIONS.read_text())
    assert {name: int(value) for name, value in constants} == {r.name: r.value for r in Restriction}
    assert set(MESSAGES) == set(Restriction)


@pytest.mark.parametrize("code", [len(Restriction), 255])
def test_a_code_outside_the_table_has_the_unknown_message(market: Market, code: int) -> None:
    assert market.token.functions.messageForTransferRestriction(code).call() == "Unknown restriction"
    assert Restriction.parse(code) == code


def test_an_allowed_transfer_and_issuance_report_success(market: Market) -> None:
    assert restriction(market, market.alice, market.bob, SUPPLY) == Restriction.SUCCESS
    assert restriction(market, ZERO_ADDRESS, market.bob, 1) == Restriction.SUCCESS
    assert can_transfer(market, market.alice, market.bob, SUPPLY)


def test_a_transfer_above_the_balance_reports_insufficient_balance(market: Market) -> None:
    assert restriction(market, market.alice, market.bob, SUPPLY + 1) == Restriction.INSUFFICIENT_BALANCE
    # ERC-7943 (Final): canTransfer must not return false on a plain balance check (ERC-20's business).
    assert can_transfer(market, market.alice, market.bob, SUPPLY + 1)


# == mint and batchMint ========================================================================


def test_mint_credits_the_wallet_and_emits_transfer_from_zero(platform: Platform, market: Market) -> None:
    receipt = send(platform, market.issuer, market.token.functions.mint(market.bob.address, 7))
    assert (balance(market, market.bob), supply(market)) == (7, SUPPLY + 7)
    assert events(market, "Transfer", receipt) == [{"from": ZERO_ADDRESS, "to": market.bob.address, "value": 7}]


@pytest.mark.every_chain
def test_mint_to_a_never_registered_wallet_is_refused(platform: Platform, market: Market) -> None:
    assert restriction(market, ZERO_ADDRESS, market.outsider, 1) == Restriction.RECEIVER_NOT_REGISTERED
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.issuer, market.token.functions.mint(market.outsider.address, 1))
    assert_refused(refused, Restriction.RECEIVER_NOT_REGISTERED)
    assert_reverted_with(refused, "AssetTransferRestricted", to=market.outsider.address, amount=1, code=3)
    assert balance(market, market.outsider) == 0


def test_mint_to_the_zero_address_reverts_with_invalid_receiver(platform: Platform, market: Market) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.mint(ZERO_ADDRESS, 1))
    assert_reverted_with(refused, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)


@pytest.mark.parametrize("spoil, state", REFUSED_PARTIES)
def test_mint_to_a_refused_investor_is_refused(
    platform: Platform, chain: Chain, market: Market, spoil: Spoil, state: str
) -> None:
    spoil(platform, chain, BOB, market.bob)
    expected = Restriction[f"RECEIVER_{state}"]
    assert restriction(market, ZERO_ADDRESS, market.bob, 1) == expected
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.issuer, market.token.functions.mint(market.bob.address, 1))
    assert_refused(refused, expected)
    assert (balance(market, market.bob), supply(market)) == (0, SUPPLY)


@pytest.mark.every_chain
def test_minting_over_the_authorised_shares_is_refused(platform: Platform, market: Market) -> None:
    excess = AUTHORISED - SUPPLY + 1
    assert restriction(market, ZERO_ADDRESS, market.bob, excess) == Restriction.EXCEEDS_AUTHORISED
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.issuer, market.token.functions.mint(market.bob.address, excess))
    assert_refused(refused, Restriction.EXCEEDS_AUTHORISED)
    assert_reverted_with(refused, "AssetExceedsAuthorised", supply=SUPPLY, amount=excess, authorised=AUTHORISED)


def test_minting_up_to_the_authorised_shares_succeeds(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.mint(market.bob.address, AUTHORISED - SUPPLY))
    assert supply(market) == AUTHORISED


def test_batch_mint_credits_every_row(platform: Platform, market: Market) -> None:
    call = market.token.functions.batchMint([market.bob.address, market.carol.address], [3, 4])
    receipt = send(platform, market.issuer, call)
    assert (balance(market, market.bob), balance(market, market.carol), supply(market)) == (3, 4, SUPPLY + 7)
    assert len(events(market, "Transfer", receipt)) == 2


def test_batch_mint_with_one_refused_row_is_refused_for_that_row(platform: Platform, market: Market) -> None:
    call = market.token.functions.batchMint([market.bob.address, market.outsider.address], [3, 4])
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.issuer, call)
    assert_refused(refused, Restriction.RECEIVER_NOT_REGISTERED)
    assert_reverted_with(refused, "AssetTransferRestricted", to=market.outsider.address, amount=4)


def test_a_mined_batch_mint_with_one_refused_row_mints_nothing(
    platform: Platform, chain: Chain, market: Market
) -> None:
    call = market.token.functions.batchMint([market.bob.address, market.outsider.address], [3, 4])
    assert mine_despite_revert(platform, chain, market.issuer, call)["status"] == 0
    assert (balance(market, market.bob), balance(market, market.outsider), supply(market)) == (0, 0, SUPPLY)


def test_batch_mint_over_the_authorised_shares_mints_nothing(platform: Platform, market: Market) -> None:
    call = market.token.functions.batchMint([market.bob.address, market.carol.address], [AUTHORISED - SUPPLY, 1])
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.issuer, call)
    assert refused.value.reason == "exceeds_authorised"
    assert (balance(market, market.bob), supply(market)) == (0, SUPPLY)


@pytest.mark.parametrize("function", ["batchMint", "batchBurn", "batchTransfer"])
def test_batch_arrays_of_different_lengths_revert_with_length_mismatch(
    platform: Platform, market: Market, function: str
) -> None:
    call = market.token.functions[function]([market.alice.address, market.bob.address], [1])
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, call)
    assert_reverted_with(refused, "AssetBatchLengthMismatch")
    assert refused.value.args_by_name == {}


# == burn and batchBurn ========================================================================


def test_burn_debits_the_wallet_and_emits_transfer_to_zero(platform: Platform, market: Market) -> None:
    receipt = send(platform, market.issuer, market.token.functions.burn(market.alice.address, 10))
    assert (balance(market, market.alice), supply(market)) == (SUPPLY - 10, SUPPLY - 10)
    assert events(market, "Transfer", receipt) == [{"from": market.alice.address, "to": ZERO_ADDRESS, "value": 10}]


def test_burning_above_the_balance_reverts_with_insufficient_balance(platform: Platform, market: Market) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.burn(market.alice.address, SUPPLY + 1))
    assert_reverted_with(
        refused, "ERC20InsufficientBalance", sender=market.alice.address, balance=SUPPLY, needed=SUPPLY + 1
    )


def test_burning_from_the_zero_address_reverts_with_invalid_sender(platform: Platform, market: Market) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.burn(ZERO_ADDRESS, 1))
    assert_reverted_with(refused, "ERC20InvalidSender", sender=ZERO_ADDRESS)


@pytest.mark.parametrize("spoil, state", REFUSED_PARTIES)
def test_the_issuer_can_burn_from_a_refused_investor(
    platform: Platform, chain: Chain, market: Market, spoil: Spoil, state: str
) -> None:
    spoil(platform, chain, ALICE, market.alice)
    send(platform, market.issuer, market.token.functions.burn(market.alice.address, SUPPLY))
    assert (balance(market, market.alice), supply(market)) == (0, 0)


def test_batch_burn_debits_every_row(platform: Platform, market: Market) -> None:
    send(platform, market.alice, market.token.functions.transfer(market.bob.address, 100))
    send(
        platform, market.issuer, market.token.functions.batchBurn([market.alice.address, market.bob.address], [50, 100])
    )
    assert (balance(market, market.alice), balance(market, market.bob)) == (SUPPLY - 150, 0)
    assert supply(market) == SUPPLY - 150


def test_batch_burn_with_one_row_over_the_balance_is_refused_for_that_row(platform: Platform, market: Market) -> None:
    call = market.token.functions.batchBurn([market.alice.address, market.bob.address], [50, 1])
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, call)
    assert_reverted_with(refused, "ERC20InsufficientBalance", sender=market.bob.address, balance=0, needed=1)


def test_a_mined_batch_burn_with_one_row_over_the_balance_burns_nothing(
    platform: Platform, chain: Chain, market: Market
) -> None:
    call = market.token.functions.batchBurn([market.alice.address, market.bob.address], [50, 1])
    assert mine_despite_revert(platform, chain, market.issuer, call)["status"] == 0
    assert (balance(market, market.alice), supply(market)) == (SUPPLY, SUPPLY)


# == transfers and compliance ==================================================================


@pytest.mark.parametrize("spoil, state", REFUSED_PARTIES)
def test_a_transfer_from_a_refused_sender_is_refused(
    platform: Platform, chain: Chain, market: Market, spoil: Spoil, state: str
) -> None:
    spoil(platform, chain, ALICE, market.alice)
    expected = Restriction[f"SENDER_{state}"]
    assert restriction(market, market.alice, market.bob, 1) == expected
    assert not can_transfer(market, market.alice, market.bob, 1)
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.alice, market.token.functions.transfer(market.bob.address, 1))
    assert_refused(refused, expected)
    assert_reverted_with(
        refused, "AssetTransferRestricted", **{"from": market.alice.address}, to=market.bob.address, amount=1
    )
    assert balance(market, market.alice) == SUPPLY


@pytest.mark.parametrize("spoil, state", REFUSED_PARTIES)
def test_a_transfer_to_a_refused_receiver_is_refused(
    platform: Platform, chain: Chain, market: Market, spoil: Spoil, state: str
) -> None:
    spoil(platform, chain, BOB, market.bob)
    expected = Restriction[f"RECEIVER_{state}"]
    assert restriction(market, market.alice, market.bob, 1) == expected
    assert not can_transfer(market, market.alice, market.bob, 1)
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.alice, market.token.functions.transfer(market.bob.address, 1))
    assert_refused(refused, expected)
    assert balance(market, market.bob) == 0


def test_a_transfer_to_a_never_registered_wallet_is_refused(platform: Platform, market: Market) -> None:
    assert restriction(market, market.alice, market.outsider, 1) == Restriction.RECEIVER_NOT_REGISTERED
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.alice, market.token.functions.transfer(market.outsider.address, 1))
    assert_refused(refused, Restriction.RECEIVER_NOT_REGISTERED)


def test_reinstated_investors_can_send_receive_and_be_issued_again(platform: Platform, market: Market) -> None:
    platform.registry.revoke_batch([ALICE, BOB])
    platform.registry.reinstate(ALICE)
    platform.registry.reinstate(BOB)
    assert restriction(market, market.alice, market.bob, 1) == Restriction.SUCCESS
    send(platform, market.alice, market.token.functions.transfer(market.bob.address, 1))
    send(platform, market.issuer, market.token.functions.mint(market.bob.address, 1))
    assert balance(market, market.bob) == 2


def test_a_wallet_added_to_an_investor_later_can_receive_and_send(platform: Platform, market: Market) -> None:
    platform.registry.add_wallet(BOB, market.newcomer.address)
    send(platform, market.alice, market.token.functions.transfer(market.newcomer.address, 5))
    send(platform, market.newcomer, market.token.functions.transfer(market.bob.address, 2))
    assert (balance(market, market.newcomer), balance(market, market.bob)) == (3, 2)


def test_an_investors_other_wallet_still_works_after_one_is_removed(platform: Platform, market: Market) -> None:
    platform.registry.remove_wallet(market.bob.address)
    send(platform, market.alice, market.token.functions.transfer(market.bob_spare.address, 5))
    assert balance(market, market.bob_spare) == 5


def test_transfer_from_checks_the_holder_and_receiver_not_the_spender(platform: Platform, market: Market) -> None:
    send(platform, market.alice, market.token.functions.approve(market.outsider.address, 5))
    send(platform, market.outsider, market.token.functions.transferFrom(market.alice.address, market.bob.address, 5))
    assert balance(market, market.bob) == 5


def test_transfer_from_to_a_never_registered_wallet_is_refused(platform: Platform, market: Market) -> None:
    send(platform, market.alice, market.token.functions.approve(market.carol.address, 5))
    call = market.token.functions.transferFrom(market.alice.address, market.outsider.address, 5)
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.carol, call)
    assert_refused(refused, Restriction.RECEIVER_NOT_REGISTERED)


# == pause =====================================================================================


def test_pause_sets_paused_and_emits_paused(platform: Platform, market: Market) -> None:
    receipt = send(platform, market.issuer, market.token.functions.pause())
    assert market.token.functions.paused().call() is True
    assert events(market, "Paused", receipt) == [{"account": market.issuer.address}]


def test_unpause_clears_paused_and_emits_unpaused(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.pause())
    receipt = send(platform, market.issuer, market.token.functions.unpause())
    assert market.token.functions.paused().call() is False
    assert events(market, "Unpaused", receipt) == [{"account": market.issuer.address}]


def test_a_paused_asset_refuses_transfers(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.pause())
    assert restriction(market, market.alice, market.bob, 1) == Restriction.PAUSED
    assert not can_transfer(market, market.alice, market.bob, 1)
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.alice, market.token.functions.transfer(market.bob.address, 1))
    assert_refused(refused, Restriction.PAUSED)


def test_a_paused_asset_refuses_transfer_from(platform: Platform, market: Market) -> None:
    send(platform, market.alice, market.token.functions.approve(market.carol.address, 5))
    send(platform, market.issuer, market.token.functions.pause())
    with pytest.raises(ComplianceError) as refused:
        send(platform, market.carol, market.token.functions.transferFrom(market.alice.address, market.bob.address, 5))
    assert_refused(refused, Restriction.PAUSED)


def test_the_issuer_can_mint_and_burn_while_paused(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.pause())
    assert restriction(market, ZERO_ADDRESS, market.bob, 5) == Restriction.SUCCESS
    send(platform, market.issuer, market.token.functions.mint(market.bob.address, 5))
    send(platform, market.issuer, market.token.functions.burn(market.alice.address, 5))
    assert (balance(market, market.bob), balance(market, market.alice), supply(market)) == (5, SUPPLY - 5, SUPPLY)


def test_transfers_resume_after_unpause(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.pause())
    send(platform, market.issuer, market.token.functions.unpause())
    send(platform, market.alice, market.token.functions.transfer(market.bob.address, 1))
    assert balance(market, market.bob) == 1


def test_pausing_a_paused_asset_reverts_with_asset_paused(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.pause())
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.pause())
    assert_reverted_with(refused, "AssetPaused", paused=True)


def test_unpausing_an_active_asset_reverts_with_asset_paused(platform: Platform, market: Market) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.unpause())
    assert_reverted_with(refused, "AssetPaused", paused=False)


# == authorised shares and offering document ===================================================


def test_set_shares_authorised_changes_the_cap_and_emits(platform: Platform, market: Market) -> None:
    receipt = send(platform, market.issuer, market.token.functions.setSharesAuthorised(AUTHORISED * 2))
    assert market.token.functions.sharesAuthorised().call() == AUTHORISED * 2
    assert events(market, "SharesAuthorisedUpdated", receipt) == [{"sharesAuthorised": AUTHORISED * 2}]


def test_the_authorised_shares_may_equal_the_supply(platform: Platform, market: Market) -> None:
    send(platform, market.issuer, market.token.functions.setSharesAuthorised(SUPPLY))
    assert restriction(market, ZERO_ADDRESS, market.bob, 1) == Restriction.EXCEEDS_AUTHORISED


def test_authorised_shares_below_the_supply_revert(platform: Platform, market: Market) -> None:
    with pytest.raises(ContractRevert) as refused:
        send(platform, market.issuer, market.token.functions.setSharesAuthorised(SUPPLY - 1))
    assert_reverted_with(refused, "AssetInvalidAuthorised", authorised=SUPPLY - 1, supply=SUPPLY)
    assert market.token.functions.sharesAuthorised().call() == AUTHORISED


def test_setting_the_offering_document_replaces_it_and_emits(platform: Platform, market: Market) -> None:
    new_hash = bytes.fromhex("cd" * 32)
    receipt = send(platform, market.issuer, market.token.functions.setDocument(OFFERING, "ipfs://v2", new_hash))
    assert market.token.functions.getDocument(OFFERING).call()[:2] == ["ipfs://v2", new_hash]
    assert market.token.functions.getAllDocuments().call() == [OFFERING]
    assert platform.assets.get(market.token.address).document_uri == "ipfs://v2"
    assert events(market, "DocumentUpdated", receipt) == [
        {"name": OFFERING, "uri": "ipfs://v2", "documentHash": new_hash}
    ]


def test_an_asset_created_without_a_document_lists_none(platform: Platform) -> None:
    asset = platform.assets.create(AssetSpec("Vault", "VLT", 0, "property", "10"))
    assert platform.assets.token(asset.address).functions.getAllDocuments().call() == []
    assert (asset.document_uri, asset.document_hash) == ("", "0x" + "00" * 32)


# == batchTransfer (ERC-3643) ==================================================================


def test_batch_transfer_moves_every_row_from_the_caller(platform: Platform, market: Market) -> None:
    call = market.token.functions.batchTransfer([market.bob.address, market.carol.address], [3, 4])
    receipt = send(platform, market.alice, call)
    assert (balance(market, market.alice), balance(market, market.bob), balance(market, market.carol)) == (
        SUPPLY - 7, 3, 4,
    )  # fmt: skip
    assert len(events(market, "Transfer", receipt)) == 2


def test_a_mined_batch_transfer_with_one_refused_row_moves_nothing(
    platform: Platform, chain: Chain, market: Market
) -> None:
    call = market.token.functions.batchTransfer([market.bob.address, market.outsider.address], [3, 4])
    assert mine_despite_revert(platform, chain, market.alice, call)["status"] == 0
    assert (balance(market, market.alice), balance(market, market.bob)) == (SUPPLY, 0)
