"""Properties of the money leg (Hypothesis), in exact integers:

- over random registers and amounts, everything claimable plus the remainder equals the amount funded,
  each holder's share is floor(amount x holding / supply), and every leaf's proof verifies;
- on Anvil, over random registers built by issuances and transfers, and a record block drawn before,
  between or after them, the leaves are the balances at that block, and every holder of record claims
  exactly their leaf once (a second claim and a non-holder's claim are refused), and after the issuer
  reclaims, the distributor holds nothing;
- on Anvil, a trade either settles both legs or leaves both parties exactly as before, whatever happens
  between acceptance and settlement (a revoked buyer, a frozen seller, expiry, a cancellation), and
  nothing stays locked in the DvP contract.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rwakit.errors import ContractRevert, NotFound
from rwakit.settlement.merkle import StandardMerkleTree, leaf_hash, verify
from rwakit.settlement.register import LEAF_TYPES, allocate
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import TradeStatus
from tests.conftest import advance_time
from tests.contracts.money import Money, money

__all__ = ["money"]

WALLETS = st.integers(1, 2**160 - 1).map(lambda n: "0x" + f"{n:040x}")
REGISTERS = st.dictionaries(WALLETS, st.integers(1, 2**96 - 1), min_size=1, max_size=40)
CHAIN_RUNS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@settings(max_examples=300, deadline=None)
@given(register=REGISTERS, amount=st.integers(1, 2**128 - 1))
def test_claimable_plus_remainder_is_the_amount_funded(register: dict[str, int], amount: int) -> None:
    supply = sum(register.values())
    if amount * max(register.values()) < supply:  # less than one base unit for everyone: refused
        return
    allocation = allocate(register, amount)
    assert allocation.allocated + allocation.remainder == amount
    assert 0 <= allocation.remainder < len(register)
    paid = {wallet: share for _, wallet, share in allocation.leaves}
    for wallet, balance in register.items():
        assert paid.get(wallet, 0) == amount * balance // supply
    assert [leaf[0] for leaf in allocation.leaves] == list(range(len(allocation.leaves)))  # one index per leaf
    tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
    for i, leaf in enumerate(allocation.leaves):
        assert verify(tree.root, leaf_hash(LEAF_TYPES, leaf), tree.proof(i))


def fresh(m: Money) -> str:
    """A snapshot per example: the test's own snapshot only wraps all of them."""
    return str(m.chain.w3.provider.make_request("evm_snapshot", [])["result"])  # type: ignore[arg-type]


def back(m: Money, snap: str) -> None:
    m.chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
    m.platform.txm.reset_nonce()


@CHAIN_RUNS
@given(data=st.data())
def test_every_holder_of_record_claims_once_and_nothing_is_left(money: Money, data: st.DataObject) -> None:
    m = money
    s = Settlement.open(m.platform)
    snap = fresh(m)
    try:
        holders = [m.alice, m.bob, m.carol]
        registers: dict[int, dict[str, int]] = {}  # the balances after each block that changed them

        def mark() -> None:
            registers[m.chain.w3.eth.block_number] = {h.address: m.shares(h) for h in holders}

        mark()  # the fixture's register: alice and bob
        start = m.chain.w3.eth.block_number
        issued = data.draw(st.lists(st.integers(0, 10**7), min_size=3, max_size=3), label="issued")
        extra = [(h.address, n) for h, n in zip(holders, issued, strict=True) if n]
        if extra:
            m.platform.assets.issue_batch("HVT", extra)
            mark()
        moves = data.draw(st.lists(st.tuples(st.sampled_from([(0, 2), (1, 2), (0, 1), (2, 0)]), st.integers(1, 10**4)),
                                   max_size=3), label="transfers")  # fmt: skip
        for (source, target), value in moves:
            if m.shares(holders[source]) >= value:
                m.platform.assets.transfer("HVT", holders[source], holders[target].address, value)
                mark()
        advance_time(m.chain, 1)  # a block after the last transfer, so the record block may follow it
        record = data.draw(st.integers(start, m.chain.w3.eth.block_number - 1), label="record block")
        amount = data.draw(st.integers(10**6, 10**11), label="amount")  # the issuer holds 10^12
        d = s.distributions.create(m.issuer, "HVT", amount, deadline_in=3600, record_block=record)
        held = registers[max(b for b in registers if b <= record)]
        supply = sum(held.values())
        expected = {w: amount * h // supply for w, h in held.items() if amount * h // supply}
        tree = s.distributions.tree(d.id)
        assert {str(v[1]): v[2] for v in tree.values} == expected  # the register as of the drawn record block
        order = data.draw(st.permutations(range(len(tree.values))), label="claim order")
        for i in order:
            _, wallet, share = tree.values[i]
            before = m.cash(wallet)
            s.distributions.claim(m.outsider, d.id, wallet)
            assert m.cash(wallet) == before + share
            with pytest.raises(ContractRevert) as again:
                s.distributions.claim(m.outsider, d.id, wallet)
            assert again.value.error == "DistributionAlreadyClaimed"
        with pytest.raises(NotFound):
            s.distributions.claim(m.outsider, d.id, m.outsider.address)
        assert sum(v[2] for v in tree.values) + d.remainder == d.amount == amount
        advance_time(m.chain, 3600)
        s.distributions.reclaim(m.issuer, d.id)
        assert m.cash(m.distributor.address) == 0
    finally:
        back(m, snap)


EVENTS = st.sampled_from(["settle", "revoke buyer then settle", "freeze seller then settle", "cancel", "expire"])


@CHAIN_RUNS
@given(event=EVENTS, quantity=st.integers(1, 1_000 * 100), price=st.integers(1, 10**12), fee=st.integers(0, 10_000))
def test_a_trade_moves_both_legs_or_neither_and_nothing_stays_locked(
    money: Money, event: str, quantity: int, price: int, fee: int
) -> None:
    m = money
    s = Settlement.open(m.platform)
    snap = fresh(m)
    try:
        s.trades.set_fee(m.issuer, fee)
        before = m.shares(m.alice), m.shares(m.bob), m.cash(m.alice), m.cash(m.bob)
        trade = s.trades.propose(m.alice, asset="HVT", counterparty="BOB", quantity=quantity, price=price,
                                 expires_in=600, as_seller=True)  # fmt: skip
        if event == "cancel":
            s.trades.cancel(m.bob, trade.id)
        else:
            s.trades.accept(m.bob, trade.id)
            if event == "expire":
                advance_time(m.chain, 600)
                s.trades.unwind(m.carol, trade.id)
            else:
                if event.startswith("revoke"):
                    m.platform.registry.revoke("BOB")
                elif event.startswith("freeze"):
                    m.send(m.issuer, m.token.functions.setAddressFrozen(m.alice.address, True))
                try:
                    s.trades.settle(m.alice, trade.id)
                except ContractRevert:
                    assert event != "settle"
        after = m.shares(m.alice), m.shares(m.bob), m.cash(m.alice), m.cash(m.bob)
        status = s.trades.get(trade.id).status
        if status is TradeStatus.SETTLED:
            f = price * fee // 10_000
            assert event == "settle"
            assert after == (before[0] - quantity, before[1] + quantity, before[2] + price - f, before[3] - price)
            assert m.dvp.functions.feesAccrued().call() == f
        else:
            assert status in (TradeStatus.CANCELLED, TradeStatus.EXPIRED, TradeStatus.FAILED)
            assert after == before
        assert m.cash(m.dvp.address) == m.dvp.functions.feesAccrued().call()  # only fees stay
    finally:
        back(m, snap)
