"""IncomeDistributor on Anvil: a Merkle root over the register at a record block, claims by proof
(OpenZeppelin's MerkleProof checking trees built in Python), eligibility at claim time, the deadline and
the issuer's reclaim, and every hostile claim refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError

from rwakit.contracts import decode_revert
from rwakit.errors import ContractRevert
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES, Allocation, ChainRegister, allocate
from tests.conftest import advance_time, now
from tests.contracts.money import ALICE_HOLDS, BOB_HOLDS, HKD, Money, money

__all__ = ["money"]

ROOT = Path(__file__).resolve().parents[2]
RENT = 100_000 * HKD + 1  # one base unit more than divides evenly: a remainder of 1
WEEK = 7 * 24 * 3600


def refused(error: str, action: object) -> ContractRevert:
    with pytest.raises(ContractRevert) as caught:
        action() if callable(action) else None
    assert caught.value.error == error, caught.value
    return caught.value


def create(m: Money, amount: int = RENT, ttl: int = WEEK) -> tuple[int, Allocation, StandardMerkleTree]:
    record = m.chain.w3.eth.block_number
    m.chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    allocation = allocate(
        ChainRegister(m.chain.w3, m.platform.deployment.block_number).holders_at(m.token.address, record), amount
    )
    tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
    m.send(m.issuer, m.coin.functions.approve(m.distributor.address, allocation.allocated))
    call = m.distributor.functions.create(
        m.token.address, record, tree.root, amount, allocation.allocated, now(m.chain) + ttl, "ipfs://tree"
    )  # fmt: skip
    [event] = m.events(m.distributor, "DistributionCreated", m.send(m.issuer, call))
    return int(event["id"]), allocation, tree


def claim(m: Money, dist: int, tree: StandardMerkleTree, i: int, account: str | None = None, amount: int | None = None):  # type: ignore[no-untyped-def]
    index, wallet, share = tree.values[i]
    call = m.distributor.functions.claim(
        dist, index, account or wallet, share if amount is None else amount, tree.proof(i)
    )
    return m.send(m.carol, call)  # anyone may send a claim: the payment goes to the leaf's wallet


def test_holders_of_record_claim_their_exact_share_and_the_remainder_stays_with_the_issuer(money: Money) -> None:
    m = money
    issuer_cash = m.cash(m.issuer)
    dist, allocation, tree = create(m)
    supply = ALICE_HOLDS + BOB_HOLDS
    assert allocation.leaves == (
        (0, m.alice.address, RENT * ALICE_HOLDS // supply), (1, m.bob.address, RENT * BOB_HOLDS // supply)
    ) if m.alice.address < m.bob.address else True  # fmt: skip
    assert allocation.allocated + allocation.remainder == RENT and allocation.remainder == 1
    assert m.cash(m.issuer) == issuer_cash - allocation.allocated  # the remainder was never pulled
    for i, (_, wallet, share) in enumerate(tree.values):
        before = m.cash(wallet)
        claim(m, dist, tree, i)
        assert m.cash(wallet) == before + share
        assert m.distributor.functions.isClaimed(dist, i).call()
    assert m.cash(m.distributor.address) == 0


def test_a_register_from_after_the_record_block_does_not_count(money: Money) -> None:
    m = money
    record = m.chain.w3.eth.block_number
    m.platform.assets.transfer("HVT", m.alice, m.carol.address, 10)
    register = ChainRegister(m.chain.w3, m.platform.deployment.block_number)
    assert m.carol.address not in register.holders_at(m.token.address, record)
    assert register.holders_at(m.token.address, record + 1)[m.carol.address] == 10


def test_claiming_twice_with_anothers_proof_or_as_a_non_holder_is_refused(money: Money) -> None:
    m = money
    dist, _, tree = create(m)
    claim(m, dist, tree, 0)
    refused("DistributionAlreadyClaimed", lambda: claim(m, dist, tree, 0))
    other = tree.values[0][1]
    refused("DistributionInvalidProof", lambda: claim(m, dist, tree, 1, account=other))  # the other's leaf, my wallet
    refused("DistributionInvalidProof", lambda: claim(m, dist, tree, 1, amount=tree.values[1][2] + 1))
    refused("DistributionInvalidProof", lambda: claim(m, dist, tree, 1, account=m.carol.address))  # a non-holder
    refused("DistributionUnknown", lambda: claim(m, dist + 1, tree, 1))
    with pytest.raises(ContractCustomError) as unknown:  # a view: the node's error, decoded
        m.distributor.functions.isClaimed(dist + 1, 0).call()
    decoded = decode_revert(str(unknown.value.data))
    assert decoded is not None and decoded.name == "DistributionUnknown"


def test_an_ineligible_holder_waits_until_eligible_again(money: Money) -> None:
    m = money
    dist, _, tree = create(m)
    bob = next(i for i, v in enumerate(tree.values) if v[1] == m.bob.address)
    m.send(m.issuer, m.token.functions.setAddressFrozen(m.bob.address, True))
    refused("DistributionHolderIneligible", lambda: claim(m, dist, tree, bob))
    m.send(m.issuer, m.token.functions.setAddressFrozen(m.bob.address, False))
    m.platform.registry.revoke("BOB")
    refused("DistributionHolderIneligible", lambda: claim(m, dist, tree, bob))
    m.platform.registry.reinstate("BOB")
    m.send(m.issuer, m.token.functions.setAllowedClasses(1 << 2))  # institutional buyers only, from now on
    assert not m.token.functions.canReceive(m.bob.address).call()
    claim(m, dist, tree, bob)  # who may buy does not withhold a holder of record's income


def test_a_holder_whose_kyc_lapsed_claims_after_renewal(money: Money) -> None:
    m = money
    dist, _, tree = create(m, ttl=4 * 365 * 24 * 3600)
    alice = next(i for i, v in enumerate(tree.values) if v[1] == m.alice.address)
    advance_time(m.chain, 366 * 24 * 3600)  # past the cast's one-year KYC
    refused("DistributionHolderIneligible", lambda: claim(m, dist, tree, alice))
    m.platform.registry.update("ALICE", kyc_expiry=now(m.chain) + 365 * 24 * 3600)
    claim(m, dist, tree, alice)


def test_after_the_deadline_the_issuer_reclaims_what_is_left_and_nobody_claims(money: Money) -> None:
    m = money
    dist, _, tree = create(m)
    refused("DistributionOpen", lambda: m.send(m.issuer, m.distributor.functions.reclaim(dist)))
    advance_time(m.chain, WEEK)
    claim(m, dist, tree, 0)  # late, but before the issuer reclaims: paid
    refused("DistributionUnauthorized", lambda: m.send(m.alice, m.distributor.functions.reclaim(dist)))
    before = m.cash(m.issuer)
    m.send(m.issuer, m.distributor.functions.reclaim(dist))
    assert m.cash(m.issuer) == before + tree.values[1][2]
    assert m.cash(m.distributor.address) == 0
    m.send(m.issuer, m.distributor.functions.reclaim(dist))  # nothing left: pays zero
    assert m.cash(m.issuer) == before + tree.values[1][2]
    refused("DistributionClosed", lambda: claim(m, dist, tree, 1))


def test_creating_is_for_the_assets_issuer_with_a_mined_record_block_and_sane_amounts(money: Money) -> None:
    m = money
    block, later = m.chain.w3.eth.block_number - 1, now(m.chain) + WEEK
    root = b"\x01" * 32
    make = m.distributor.functions.create
    refused("DistributionUnauthorized", lambda: m.send(m.alice, make(m.token.address, block, root, 10, 10, later, "")))
    refused("DistributionUnknownAsset", lambda: m.send(m.issuer, make(m.coin.address, block, root, 10, 10, later, "")))
    refused(
        "DistributionInvalidRecordBlock",
        lambda: m.send(m.issuer, make(m.token.address, block + 6, root, 10, 10, later, "")),
    )
    refused("DistributionInvalidDeadline", lambda: m.send(m.issuer, make(m.token.address, block, root, 10, 10, 1, "")))
    refused(
        "DistributionInvalidAmount", lambda: m.send(m.issuer, make(m.token.address, block, root, 10, 11, later, ""))
    )
    refused("DistributionInvalidAmount", lambda: m.send(m.issuer, make(m.token.address, block, root, 0, 0, later, "")))
    refused(
        "DistributionInvalidAmount",
        lambda: m.send(m.issuer, make(m.token.address, block, b"\x00" * 32, 10, 10, later, "")),
    )
    huge = 2**96
    refused(
        "DistributionInvalidAmount", lambda: m.send(m.issuer, make(m.token.address, block, root, huge, huge, later, ""))
    )


def test_a_register_that_does_not_add_up_cannot_overdraw(money: Money) -> None:
    """A root whose leaves exceed the funding pays out only what was funded (other distributions' coins
    stay untouched)."""
    m = money
    wallet = m.alice.address
    tree = StandardMerkleTree.of([(0, wallet, 10), (1, m.bob.address, 10)], LEAF_TYPES)
    block = m.chain.w3.eth.block_number - 1
    m.send(m.issuer, m.coin.functions.approve(m.distributor.address, 15))
    m.send(m.issuer, m.distributor.functions.create(m.token.address, block, tree.root, 15, 15, now(m.chain) + WEEK, ""))
    claim(m, 1, tree, 0)
    refused("DistributionOverdrawn", lambda: claim(m, 1, tree, 1))


def test_the_issuer_pushes_to_every_eligible_holder_and_skips_the_rest(money: Money) -> None:
    m = money
    dist, _, tree = create(m)
    leaves = list(tree.values)
    proofs = [tree.proof(i) for i in range(len(leaves))]
    bob = next(i for i, v in enumerate(leaves) if v[1] == m.bob.address)
    alice = 1 - bob
    m.send(m.issuer, m.token.functions.setAddressFrozen(m.bob.address, True))
    refused("DistributionUnauthorized", lambda: m.send(m.alice, m.distributor.functions.push(dist, leaves, proofs)))
    refused(
        "DistributionBatchLengthMismatch",
        lambda: m.send(m.issuer, m.distributor.functions.push(dist, leaves, proofs[:1])),
    )
    forged = [(leaves[alice][0], leaves[alice][1], leaves[alice][2] + 1)]
    refused(
        "DistributionInvalidProof",
        lambda: m.send(m.issuer, m.distributor.functions.push(dist, forged, [proofs[alice]])),
    )
    before = m.cash(m.alice), m.cash(m.bob)
    receipt = m.send(m.issuer, m.distributor.functions.push(dist, leaves, proofs))
    assert [e["index"] for e in m.events(m.distributor, "Claimed", receipt)] == [leaves[alice][0]]
    assert (m.cash(m.alice), m.cash(m.bob)) == (before[0] + leaves[alice][2], before[1])  # bob is frozen: waits
    m.send(m.issuer, m.token.functions.setAddressFrozen(m.bob.address, False))
    m.send(m.issuer, m.distributor.functions.push(dist, leaves, proofs))  # alice's leaf is skipped now
    assert (m.cash(m.alice), m.cash(m.bob)) == (before[0] + leaves[alice][2], before[1] + leaves[bob][2])
    assert m.cash(m.distributor.address) == 0


def test_a_single_holder_tree_has_an_empty_proof(money: Money) -> None:
    m = money
    tree = StandardMerkleTree.of([(0, m.alice.address, 7)], LEAF_TYPES)
    assert tree.proof(0) == [] and tree.root == tree.tree[0]
    block = m.chain.w3.eth.block_number - 1
    m.send(m.issuer, m.coin.functions.approve(m.distributor.address, 7))
    m.send(m.issuer, m.distributor.functions.create(m.token.address, block, tree.root, 7, 7, now(m.chain) + WEEK, ""))
    claim(m, 1, tree, 0)


@pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules/@openzeppelin/merkle-tree").is_dir(),
    reason="needs node and the npm-pinned @openzeppelin/merkle-tree (npm ci)",
)
def test_the_tree_equals_openzeppelins_merkle_tree_library() -> None:
    leaves = [(i, "0x" + f"{i * 7919 + 1:040x}", (i + 1) * 10**18 + i) for i in range(300)]
    ours = StandardMerkleTree.of(leaves, LEAF_TYPES)
    script = (
        "const {StandardMerkleTree} = require('@openzeppelin/merkle-tree');"
        "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(StandardMerkleTree.of(v, " + json.dumps(list(LEAF_TYPES)) + ").dump()));"
    )
    values = [[str(i), a, str(s)] for i, a, s in leaves]
    out = subprocess.run(
        ["node", "-e", script], input=json.dumps(values), capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert json.loads(out.stdout) == ours.dump()


def fund(m: Money, tree: StandardMerkleTree, allocated: int) -> int:
    """A distribution of `tree` (any register, hostile ones too) funded with `allocated`."""
    block = m.chain.w3.eth.block_number - 1
    m.send(m.issuer, m.coin.functions.approve(m.distributor.address, allocated))
    call = m.distributor.functions.create(m.token.address, block, tree.root, allocated, allocated,
                                          now(m.chain) + WEEK, "")  # fmt: skip
    return int(m.events(m.distributor, "DistributionCreated", m.send(m.issuer, call))[0]["id"])


def test_a_deep_tree_pays_by_proof_and_refuses_a_tampered_one(money: Money) -> None:
    """33 leaves (proofs of 5 and 6 hashes, both orders of every pair): the claim's own root computation
    agrees with the Python tree, and one flipped bit anywhere in a proof is refused."""
    m = money
    leaves = [(0, m.alice.address, 5), (1, m.bob.address, 7)]
    leaves += [(i, Web3.to_checksum_address(f"0x{i * 7919 + 1:040x}"), i) for i in range(2, 33)]  # unregistered
    tree = StandardMerkleTree.of(leaves, LEAF_TYPES)
    dist = fund(m, tree, sum(a for _, _, a in leaves))
    for i, (_, wallet, amount) in enumerate(tree.values):
        proof = tree.proof(i)
        for at in range(len(proof)):
            bad = [p if j != at else bytes([p[0] ^ 1]) + p[1:] for j, p in enumerate(proof)]
            call = m.distributor.functions.claim(dist, *tree.values[i], bad)
            refused("DistributionInvalidProof", lambda c=call: m.send(m.carol, c))
        if wallet in (m.alice.address, m.bob.address):
            before = m.cash(wallet)
            claim(m, dist, tree, i)
            assert m.cash(wallet) == before + amount
        else:  # the proof held: only eligibility stops it
            refused("DistributionHolderIneligible", lambda i=i: claim(m, dist, tree, i))
    assert m.distributor.functions.distribution(dist).call()[1] == sum(range(2, 33))


def test_a_proof_from_another_distribution_pays_nothing(money: Money) -> None:
    """A claim finds its distribution's ledger from the root its proof computes, keyed with the id: a leaf
    and proof valid in distribution A sent as distribution B's find nothing (and B's coins stay put)."""
    m = money
    first, _, tree = create(m)
    other = StandardMerkleTree.of([(0, m.alice.address, 3), (1, m.bob.address, 3)], LEAF_TYPES)
    second = fund(m, other, 6)
    held = m.cash(m.distributor.address)
    refused("DistributionInvalidProof", lambda: claim(m, second, tree, 0))
    refused("DistributionInvalidProof", lambda: claim(m, first, other, 0))
    assert m.cash(m.distributor.address) == held
    claim(m, second, other, 0)
    claim(m, first, tree, 0)
    assert m.distributor.functions.distribution(second).call()[1] == 3  # remaining


def test_claims_stop_at_the_funded_sum_whatever_the_order(money: Money) -> None:
    """A hostile register (leaves adding up to twice the funding): the claims that fit are paid, in any
    order, the next is refused, and what the contract holds for another distribution is untouched."""
    m = money
    kept, _, _ = create(m)
    held = m.cash(m.distributor.address)
    hostile = StandardMerkleTree.of([(0, m.bob.address, 10), (1, m.alice.address, 10)], LEAF_TYPES)
    dist = fund(m, hostile, 10)
    claim(m, dist, hostile, 1)
    assert refused("DistributionOverdrawn", lambda: claim(m, dist, hostile, 0)).args_by_name["remaining"] == 0
    assert m.cash(m.distributor.address) == held
    assert m.distributor.functions.distribution(kept).call()[1] == held
