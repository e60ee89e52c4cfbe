"""The settlement currency: the test coin's EIP-2612 permit (signed off chain with eth_account's EIP-712,
not with the contract's own digest), and DvP and the distributor deployed over an external ERC-20 (an
unrestricted OpenZeppelin ERC20 with 18 decimals, not the platform's coin)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from web3.contract import Contract

from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.errors import ContractRevert
from rwakit.settlement.deploy import deploy_settlement
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES
from tests.conftest import now
from tests.contracts.money import HKD, SHARE, Money, money

__all__ = ["money"]

PERMIT_TYPES = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


def signed_permit(m: Money, signer: Signer, owner: str, spender: str, value: int, nonce: int,
                  deadline: int) -> tuple[Any, ...]:  # fmt: skip
    """permit()'s arguments, the message signed by `signer` as EIP-2612 and EIP-712 define it."""
    domain = {"name": m.coin.functions.name().call(), "version": "1", "chainId": m.chain.chain_id,
              "verifyingContract": m.coin.address}  # fmt: skip
    message = {"owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline}
    signable = encode_typed_data(domain, {"Permit": PERMIT_TYPES}, message)
    digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert signable.header == m.coin.functions.DOMAIN_SEPARATOR().call()
    signature = signer.sign_digest(digest)
    return owner, spender, value, deadline, signature[64], signature[:32], signature[32:64]


def refused(error: str, m: Money, args: tuple[Any, ...]) -> None:
    with pytest.raises(ContractRevert) as caught:
        m.send(m.carol, m.coin.functions.permit(*args))  # anyone may relay a permit
    assert caught.value.error == error, caught.value


def nonce(m: Money, who: Signer) -> int:
    return int(m.coin.functions.nonces(who.address).call())


def test_a_permit_sets_the_allowance_and_moves_the_nonce_on(money: Money) -> None:
    m = money
    assert nonce(m, m.alice) == 0
    args = signed_permit(m, m.alice, m.alice.address, m.dvp.address, 5 * HKD, 0, now(m.chain) + 600)
    receipt = m.send(m.carol, m.coin.functions.permit(*args))
    assert m.events(m.coin, "Approval", receipt) == [{"owner": m.alice.address, "spender": m.dvp.address,
                                                      "value": 5 * HKD}]  # fmt: skip
    assert m.coin.functions.allowance(m.alice.address, m.dvp.address).call() == 5 * HKD
    assert nonce(m, m.alice) == 1
    second = signed_permit(m, m.alice, m.alice.address, m.dvp.address, 0, 1, now(m.chain) + 600)
    m.send(m.carol, m.coin.functions.permit(*second))
    assert m.coin.functions.allowance(m.alice.address, m.dvp.address).call() == 0
    assert (nonce(m, m.alice), nonce(m, m.bob)) == (2, 0)  # per owner


def test_a_replayed_permit_is_refused(money: Money) -> None:
    m = money
    args = signed_permit(m, m.alice, m.alice.address, m.bob.address, HKD, 0, now(m.chain) + 600)
    m.send(m.carol, m.coin.functions.permit(*args))
    m.send(m.bob, m.coin.functions.transferFrom(m.alice.address, m.bob.address, HKD))  # spent
    refused("ERC2612InvalidSigner", m, args)  # its nonce is used: the digest is another one now
    assert m.coin.functions.allowance(m.alice.address, m.bob.address).call() == 0 and nonce(m, m.alice) == 1


def test_an_expired_permit_is_refused(money: Money) -> None:
    m = money
    args = signed_permit(m, m.alice, m.alice.address, m.bob.address, HKD, 0, now(m.chain) - 1)
    refused("ERC2612ExpiredSignature", m, args)
    assert nonce(m, m.alice) == 0


def test_a_permit_signed_by_another_or_altered_is_refused(money: Money) -> None:
    m = money
    deadline = now(m.chain) + 600
    forged = signed_permit(m, m.bob, m.alice.address, m.bob.address, HKD, 0, deadline)  # bob signs for alice
    refused("ERC2612InvalidSigner", m, forged)
    genuine = signed_permit(m, m.alice, m.alice.address, m.bob.address, HKD, 0, deadline)
    refused("ERC2612InvalidSigner", m, (genuine[0], genuine[1], 2 * HKD, *genuine[3:]))  # a larger value
    refused("ERC2612InvalidSigner", m, (genuine[0], m.carol.address, *genuine[2:]))  # another spender
    assert m.coin.functions.allowance(m.alice.address, m.bob.address).call() == 0 and nonce(m, m.alice) == 0


def external_money(m: Money) -> tuple[Contract, Contract, Contract]:
    """PlainERC20 (18 decimals, anyone mints), and DvP and the distributor deployed over it as `rwakit deploy
    --settlement-token` deploys them."""
    txm, w3 = m.platform.txm, m.chain.w3
    address, _ = txm.deploy(m.issuer, load_artifact("PlainERC20").factory(w3).constructor(), label="deploy plain")
    deployed = deploy_settlement(m.chain, txm, m.platform.deployment.factory, settlement_token=address)
    assert not deployed.test_coin and deployed.settlement_token == address
    return (load_artifact("PlainERC20").at(w3, address), load_artifact("DeliveryVersusPayment").at(w3, deployed.dvp),
            load_artifact("IncomeDistributor").at(w3, deployed.distributor))  # fmt: skip


def test_dvp_and_distributions_settle_in_an_external_erc20(money: Money) -> None:
    m = money
    plain, dvp, distributor = external_money(m)
    assert dvp.functions.settlementToken().call() == plain.address == distributor.functions.settlementToken().call()
    price = 3 * 10**18
    for who in (m.bob, m.issuer):
        m.send(who, plain.functions.mint(who.address, 10 * 10**18))
    # A trade: shares against the external coin, both legs at settlement.
    receipt = m.send(m.alice, dvp.functions.propose(m.bob.address, True, m.token.address, 10 * SHARE, price,
                                                    now(m.chain) + 600))  # fmt: skip
    trade_id = m.events(dvp, "TransferIncepted", receipt)[0]["id"]
    m.send(m.alice, m.token.functions.approve(dvp.address, 10 * SHARE))
    m.send(m.bob, plain.functions.approve(dvp.address, price))
    m.send(m.bob, dvp.functions.accept(trade_id))
    shares = m.shares(m.bob)
    m.send(m.alice, dvp.functions.settle(trade_id))
    assert m.shares(m.bob) == shares + 10 * SHARE and plain.functions.balanceOf(m.alice.address).call() == price
    # Income in the external coin, claimed by proof.
    tree = StandardMerkleTree.of([(0, m.alice.address, 10**18), (1, m.bob.address, 2 * 10**18)], LEAF_TYPES)
    m.send(m.issuer, plain.functions.approve(distributor.address, 3 * 10**18))
    m.send(m.issuer, distributor.functions.create(m.token.address, m.chain.w3.eth.block_number - 1, tree.root,
                                                  3 * 10**18, 3 * 10**18, now(m.chain) + 600, ""))  # fmt: skip
    i = next(i for i, v in enumerate(tree.values) if v[1] == m.bob.address)
    m.send(m.carol, distributor.functions.claim(1, *tree.values[i], tree.proof(i)))
    assert plain.functions.balanceOf(m.bob.address).call() == 10 * 10**18 - price + 2 * 10**18


def test_an_unfunded_buyer_of_the_external_coin_moves_nothing(money: Money) -> None:
    m = money
    plain, dvp, _ = external_money(m)
    receipt = m.send(m.alice, dvp.functions.propose(m.bob.address, True, m.token.address, SHARE, 10**18,
                                                    now(m.chain) + 600))  # fmt: skip
    trade_id = m.events(dvp, "TransferIncepted", receipt)[0]["id"]
    m.send(m.alice, m.token.functions.approve(dvp.address, SHARE))
    m.send(m.bob, plain.functions.approve(dvp.address, 10**18))  # approved, but bob holds none
    with pytest.raises(ContractRevert) as caught:
        m.send(m.bob, dvp.functions.accept(trade_id))
    assert caught.value.error == "ERC20InsufficientBalance"
    assert int(dvp.functions.trade(trade_id).call()[3]) == 1  # still Proposed
    assert plain.functions.balanceOf(dvp.address).call() == 0
