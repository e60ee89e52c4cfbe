"""A transaction with no receipt: sent again when the node dropped it, replaced with higher fees while it
is still pending (a bounded number of times), and whichever version is mined settles every record.

Anvil stops mining on receipt (evm_setAutomine false) so a transaction stays in its pool until the test
mines a block; the manager sends from a thread while the test drops, waits and mines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.transactions import MAX_REPLACEMENTS, MemoryJournal, TransactionManager, TxRecord
from rwakit.contracts import load_artifact
from rwakit.errors import ChainError, ContractRevert

AMOUNT = 7


@pytest.fixture
def token(chain: Chain) -> Contract:
    address, _ = TransactionManager(chain.w3).deploy(
        chain.operator, load_artifact("PlainERC20").factory(chain.w3).constructor(), label="plain"
    )
    return load_artifact("PlainERC20").at(chain.w3, address)


def rpc(chain: Chain, method: str, *params: Any) -> Any:
    return chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]


@contextmanager
def mining_by_hand(chain: Chain) -> Iterator[None]:
    rpc(chain, "evm_setAutomine", False)
    try:
        yield
    finally:
        rpc(chain, "evm_mine")  # whatever a failed test left in the pool
        rpc(chain, "evm_setAutomine", True)


@contextmanager
def minting(chain: Chain, token: Contract, txm: TransactionManager) -> Iterator[Future[TxReceipt]]:
    call = token.functions.mint(chain.signers[5].address, AMOUNT)
    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(txm.transact, chain.operator, call, label="mint")


def records(journal: MemoryJournal) -> list[TxRecord]:
    """Each record once (a record updated after another was journalled is listed again)."""
    return list({id(r): r for r in journal.records}.values())


def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def in_pool(chain: Chain, tx_hash: str | None) -> bool:
    try:
        return chain.w3.eth.get_transaction(HexBytes(str(tx_hash)))["blockNumber"] is None
    except Exception:
        return False


def balance(chain: Chain, token: Contract) -> int:
    return int(token.functions.balanceOf(chain.signers[5].address).call())


def first_fee_cap(chain: Chain, token: Contract) -> int:
    """The fee cap the manager gives a first version: what web3 fills in for the call (no block mined since)."""
    call = token.functions.mint(chain.signers[5].address, AMOUNT)
    return int(call.build_transaction({"from": chain.operator.address})["maxFeePerGas"])


def test_a_dropped_transaction_is_sent_again_as_it_was(chain: Chain, token: Contract) -> None:
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=1.0, timeout=10)
    with mining_by_hand(chain), minting(chain, token, txm) as sending:
        until(lambda: bool(journal.records) and journal.records[-1].status == "sent")
        (original,) = records(journal)
        rpc(chain, "anvil_dropTransaction", original.tx_hash)
        assert not in_pool(chain, original.tx_hash)
        until(lambda: in_pool(chain, original.tx_hash))  # sent again after stuck_after
        rpc(chain, "evm_mine")
        receipt = sending.result(timeout=5)
    assert receipt["transactionHash"].to_0x_hex() == original.tx_hash
    assert [(r.status, r.error) for r in records(journal)] == [("mined", None)]
    assert balance(chain, token) == AMOUNT


def test_a_pending_transaction_is_replaced_with_higher_fees_and_the_original_settled(
    chain: Chain, token: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = MemoryJournal()
    send, broadcast = chain.w3.eth.send_raw_transaction, []

    def journalled_first(raw: bytes) -> HexBytes:
        tx_hash = Web3.keccak(raw).to_0x_hex()
        assert tx_hash in [r.tx_hash for r in journal.records], "broadcast before it was journalled"
        broadcast.append(tx_hash)
        return send(raw)

    monkeypatch.setattr(chain.w3.eth, "send_raw_transaction", journalled_first)
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=1.0, timeout=10)
    nonce, fee_cap = chain.w3.eth.get_transaction_count(chain.operator.address), first_fee_cap(chain, token)
    with mining_by_hand(chain), minting(chain, token, txm) as sending:
        until(lambda: len(records(journal)) == 2 and records(journal)[1].status == "sent")
        original, replacement = records(journal)
        assert not in_pool(chain, original.tx_hash) and in_pool(chain, replacement.tx_hash)
        rpc(chain, "evm_mine")
        receipt = sending.result(timeout=5)
    assert receipt["transactionHash"].to_0x_hex() == replacement.tx_hash != original.tx_hash
    assert broadcast == [original.tx_hash, replacement.tx_hash]
    assert (original.status, original.error) == ("failed", f"replaced by {replacement.tx_hash}")
    assert (replacement.status, replacement.block_number) == ("mined", receipt["blockNumber"])
    assert (original.label, original.nonce, original.data) == (replacement.label, nonce, replacement.data)
    mined = chain.w3.eth.get_transaction(HexBytes(str(replacement.tx_hash)))
    assert mined["nonce"] == nonce and mined["maxFeePerGas"] * 8 >= 9 * fee_cap
    assert balance(chain, token) == AMOUNT  # one state change: the original never ran
    assert chain.w3.eth.get_transaction_count(chain.operator.address) == nonce + 1


def test_a_replacement_the_node_finds_mined_is_settled_by_the_original(
    chain: Chain, token: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original is mined just before its replacement reaches the node, which answers 'nonce too low'."""
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=0.3, timeout=10)
    send = chain.w3.eth.send_raw_transaction

    def mine_first(raw: bytes) -> HexBytes:
        if len(records(journal)) == 2:
            rpc(chain, "evm_mine")
        return send(raw)

    monkeypatch.setattr(chain.w3.eth, "send_raw_transaction", mine_first)
    with mining_by_hand(chain), minting(chain, token, txm) as sending:
        receipt = sending.result(timeout=5)
    original, replacement = records(journal)
    assert receipt["transactionHash"].to_0x_hex() == original.tx_hash and original.status == "mined"
    assert (replacement.status, replacement.error) == ("failed", f"replaced by {original.tx_hash}")
    assert balance(chain, token) == AMOUNT


def test_a_replacement_that_reverts_is_decoded_as_any_revert(chain: Chain, token: Contract) -> None:
    """Gas is given so the node mines a transfer the sender has no balance for (no estimate refuses it)."""
    journal, poor = MemoryJournal(), chain.signers[6]
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=1.0, timeout=10)
    call = token.functions.transfer(chain.signers[5].address, 1)
    tx = dict(call.build_transaction({"from": poor.address, "gas": 100_000, "chainId": chain.chain_id}))
    with mining_by_hand(chain), ThreadPoolExecutor(1) as pool:
        sending = pool.submit(txm._send, poor, tx, "transfer")
        until(lambda: len(records(journal)) == 2 and records(journal)[1].status == "sent")
        rpc(chain, "evm_mine")
        with pytest.raises(ContractRevert) as refused:
            sending.result(timeout=5)
    original, replacement = records(journal)
    assert refused.value.error == "ERC20InsufficientBalance"
    assert (replacement.status, replacement.error) == ("reverted", refused.value.message)
    assert (original.status, original.error) == ("failed", f"replaced by {replacement.tx_hash}")


def test_replacements_stop_at_the_bound_and_the_wait_at_the_timeout(chain: Chain, token: Contract) -> None:
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=0.1, timeout=1.5)
    nonce, fee_cap = chain.w3.eth.get_transaction_count(chain.operator.address), first_fee_cap(chain, token)
    with mining_by_hand(chain), minting(chain, token, txm) as sending:
        with pytest.raises(ChainError) as pending:
            sending.result(timeout=5)
        versions = records(journal)
        assert pending.value.code == "tx_pending" and all(str(v.tx_hash) in pending.value.message for v in versions)
        assert len(versions) == 1 + MAX_REPLACEMENTS and {v.nonce for v in versions} == {nonce}
        assert [v.status for v in versions] == ["sent"] * len(versions)  # which one is mined is not known yet
        last_fee_cap = int(chain.w3.eth.get_transaction(HexBytes(str(versions[-1].tx_hash)))["maxFeePerGas"])
        assert last_fee_cap * 8**MAX_REPLACEMENTS >= 9**MAX_REPLACEMENTS * fee_cap
        assert [in_pool(chain, v.tx_hash) for v in versions] == [False] * MAX_REPLACEMENTS + [True]
    assert balance(chain, token) == AMOUNT  # the last version, mined by the finally block, once
    assert chain.w3.eth.get_transaction_count(chain.operator.address) == nonce + 1


def test_transactions_mined_at_once_are_never_replaced(chain: Chain, token: Contract) -> None:
    """Anvil mining on receipt: each receipt comes in well before stuck_after."""
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=0.2)
    call = token.functions.mint(chain.signers[5].address, AMOUNT)
    hashes = [txm.transact(chain.operator, call, label="mint")["transactionHash"].to_0x_hex() for _ in range(5)]
    assert [(r.status, r.tx_hash) for r in records(journal)] == [("mined", h) for h in hashes]
    assert balance(chain, token) == 5 * AMOUNT


def test_a_transaction_mined_before_stuck_after_is_never_replaced(chain: Chain, token: Contract) -> None:
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal, stuck_after=1.0, timeout=10)
    with mining_by_hand(chain), minting(chain, token, txm) as sending:
        until(lambda: bool(journal.records) and journal.records[-1].status == "sent")
        rpc(chain, "evm_mine")
        receipt = sending.result(timeout=5)
        time.sleep(1.2)  # past stuck_after: nothing more is sent
    assert [(r.status, r.tx_hash) for r in records(journal)] == [("mined", receipt["transactionHash"].to_0x_hex())]
    assert balance(chain, token) == AMOUNT
