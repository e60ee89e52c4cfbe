"""The one way rwakit writes to a chain.

Every transaction is estimated (a revert is caught before anything is signed), given a nonce
from local bookkeeping, signed by a :class:`Signer`, journalled before it is broadcast, then
followed to its receipt. Reverts come back as typed errors decoded from our own ABIs.

Several processes may send for one key (API workers on one PostgreSQL): a shared :class:`SendGate`
then admits one of them at a time per key, from reading the node's next nonce to the broadcast, so
nonces go out in order with no gap and no collision, and a process that dies in between leaves its
nonce to the next sender.

A transaction with no receipt after ``stuck_after`` seconds is sent again as it was if the node dropped it,
else replaced (same nonce and call, fees up 12.5%, journalled first) at most MAX_REPLACEMENTS times; the
first of its versions mined is the outcome, and the others are journalled failed, "replaced by" that one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import TxParams, TxReceipt, Wei

from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Proposer, Signer
from rwakit.contracts.reverts import decode_revert, revert_error
from rwakit.errors import ChainError, ChainUnavailable, InvalidInput, TransactionFailed

TxStatus = Literal["signed", "sent", "mined", "reverted", "failed"]
GAS_MARGIN = 1.2  # estimates can shift with block.timestamp checks (KYC expiry) between estimate and inclusion
MAX_REPLACEMENTS = 3
# How nodes (geth, Anvil, Besu) refuse a transaction whose nonce one of ours already took or that they hold.
TAKEN = ("nonce too low", "already known", "already imported", "known transaction")

log = logging.getLogger("rwakit.chain")


@dataclass
class TxRecord:
    """What the journal keeps of one transaction, updated as it progresses."""

    label: str
    sender: str
    nonce: int
    to: str | None
    data: str
    status: TxStatus = "signed"
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class TxJournal(Protocol):
    """Receives every state change of every transaction, before the next step is taken."""

    def record(self, record: TxRecord) -> None: ...


@dataclass
class _Sent:
    """One signed version of a transaction: its record, and its raw bytes, kept in memory to send again."""

    record: TxRecord
    tx: dict[str, Any]
    raw: bytes = field(repr=False)


class MemoryJournal:
    """Keeps records in this process: enough for scripts; the API persists them in SQL."""

    def __init__(self) -> None:
        self.records: list[TxRecord] = []

    def record(self, record: TxRecord) -> None:
        if not self.records or self.records[-1] is not record:
            self.records.append(record)


@dataclass
class SharedCount:
    """A key's next nonce as the senders that share a gate counted it; `sent(n)` records one broadcast."""

    counted: int
    sent: Callable[[int], None]


class SendGate(Protocol):
    """Admits one sender per signing key at a time among every process that shares the gate; inside,
    the nonce is the larger of the shared count (None: this process counts alone) and the node's."""

    def hold(self, address: ChecksumAddress) -> AbstractContextManager[SharedCount | None]: ...

    def forget(self) -> None:
        """Drop every shared count (after a chain revert)."""


class LocalGate:
    """This process is the only sender for its keys: nonces are counted here, between threads."""

    @contextmanager
    def hold(self, address: ChecksumAddress) -> Iterator[SharedCount | None]:
        yield None

    def forget(self) -> None:
        pass


Transactable = ContractFunction | ContractConstructor


class TransactionManager:
    """Sends transactions for any number of signers on one chain; safe to share between threads."""

    def __init__(
        self,
        w3: Web3,
        *,
        journal: TxJournal | None = None,
        gate: SendGate | None = None,
        poll_latency: float = 0.01,
        timeout: float = 120.0,
        stuck_after: float = 30.0,
    ) -> None:
        self.w3 = w3
        self.journal: TxJournal = journal or MemoryJournal()
        self.gate: SendGate = gate or LocalGate()
        self._poll_latency = poll_latency
        self._timeout = timeout
        self.stuck_after = stuck_after
        self._lock = threading.Lock()
        self._nonces: dict[ChecksumAddress, int] = {}
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def transact(self, signer: Signer, call: Transactable, *, label: str, value: int = 0) -> TxReceipt:
        """Send `call` signed by `signer` and return its receipt; raise a typed error on revert."""
        try:
            base: TxParams = {"from": signer.address, "value": Wei(value), "chainId": self.chain_id}
            tx = dict(call.build_transaction(base))
        except (ConnectionError, OSError) as exc:
            raise ChainUnavailable(f"Chain unreachable while preparing {label}: {exc}") from exc
        except Exception as exc:
            if (refusal := _refusal(exc, label)) is None:
                raise
            raise refusal from exc
        if isinstance(signer, Proposer):
            if value or not tx.get("to"):
                raise InvalidInput(
                    f"{label}: a proposal calls a contract with no value; it cannot deploy or pay",
                    code="not_proposable",
                )
            signer.propose(str(tx["to"]), bytes(HexBytes(tx["data"])), label)
        tx["gas"] = int(int(tx["gas"]) * GAS_MARGIN)
        return self._send(signer, tx, label)

    def deploy(
        self, signer: Signer, constructor: ContractConstructor, *, label: str
    ) -> tuple[ChecksumAddress, TxReceipt]:
        receipt = self.transact(signer, constructor, label=label)
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed(f"{label}: the receipt has no contract address")
        return address, receipt

    def reset_nonce(self, address: ChecksumAddress | None = None) -> None:
        """Forget this process's nonce count for one address (a transaction not broadcast, or sent from
        elsewhere), or every count, the gate's shared ones too (after a chain revert)."""
        with self._lock:
            if address is None:
                self._nonces.clear()
            else:
                self._nonces.pop(address, None)
        if address is None:
            self.gate.forget()

    def _send(self, signer: Signer, tx: dict[str, Any], label: str) -> TxReceipt:
        for attempt in range(2):
            with self.gate.hold(signer.address) as shared:
                record, raw = self._sign_with_next_nonce(signer, tx, label, shared)
                try:
                    self.w3.eth.send_raw_transaction(raw)
                except Web3RPCError as exc:
                    self._fail(record, str(exc), signer)
                    if attempt == 0 and "nonce" in str(exc).lower():
                        continue  # our count was stale (a transaction sent from elsewhere): resync once
                    raise TransactionFailed(f"{label}: the node refused the transaction: {exc}") from exc
                except (ConnectionError, OSError) as exc:
                    self._fail(record, f"broadcast failed: {exc}", signer)
                    raise ChainUnavailable(f"Chain unreachable while sending {label}") from exc
                if shared is not None:
                    shared.sent(record.nonce)
            record.status = "sent"
            self.journal.record(record)
            return self._wait(signer, _Sent(record, {**tx, "nonce": record.nonce}, raw))
        raise AssertionError("unreachable: the loop returns or raises")

    def _sign_with_next_nonce(
        self, signer: Signer, tx: dict[str, Any], label: str, shared: SharedCount | None
    ) -> tuple[TxRecord, bytes]:
        address = signer.address
        if shared is not None:  # Anvil's pending count can miss a transaction being mined: the shared count cannot
            nonce = max(shared.counted, int(self.w3.eth.get_transaction_count(address, "pending")))
        else:
            with self._lock:
                if address not in self._nonces:
                    self._nonces[address] = int(self.w3.eth.get_transaction_count(address, "pending"))
                nonce = self._nonces[address]
                self._nonces[address] = nonce + 1
        try:
            record, raw = self._sign_and_record(signer, {**tx, "nonce": nonce}, label)
        except BaseException:
            self.reset_nonce(address)  # nothing was broadcast: the next transaction reuses the nonce
            raise
        return record, raw

    def _fail(self, record: TxRecord, error: str, signer: Signer) -> None:
        record.status, record.error = "failed", error
        self.journal.record(record)
        self.reset_nonce(signer.address)

    def _sign_and_record(self, signer: Signer, tx: dict[str, Any], label: str) -> tuple[TxRecord, bytes]:
        raw = signer.sign_transaction(tx)
        # The hash is known before broadcast, so a crash after sending can be reconciled from the journal.
        record = TxRecord(
            label=label,
            sender=signer.address,
            nonce=int(tx["nonce"]),
            to=tx.get("to"),
            data=str(tx.get("data", "0x")),
            tx_hash=Web3.keccak(raw).to_0x_hex(),
        )
        self.journal.record(record)
        return record, raw

    def _wait(self, signer: Signer, first: _Sent) -> TxReceipt:
        """The receipt of whichever version of the transaction is mined; every `stuck_after` without one, the
        last version is sent again (the node dropped it) or replaced (MAX_REPLACEMENTS times at most)."""
        sent, replacements = [first], 0
        deadline = time.monotonic() + self._timeout
        check = time.monotonic() + self.stuck_after
        while (found := self._receipt(sent)) is None:
            if time.monotonic() >= deadline:
                hashes = ", ".join(str(s.record.tx_hash) for s in sent)
                raise ChainError(
                    f"{first.record.label}: no receipt for {hashes} after {self._timeout:.0f} s", code="tx_pending"
                )
            if time.monotonic() >= check:
                replacements += self._unstick(signer, sent, replacements < MAX_REPLACEMENTS)
                check = time.monotonic() + self.stuck_after
            time.sleep(self._poll_latency)
        mined, receipt = found
        record = mined.record
        record.block_number, record.gas_used = receipt["blockNumber"], receipt["gasUsed"]
        error = None if receipt["status"] == 1 else self._replay_revert(mined.tx, receipt, record.label)
        record.status, record.error = ("mined", None) if error is None else ("reverted", error.message)
        self.journal.record(record)
        for other in sent:
            if other is not mined:  # "failed" without "broadcast failed": settled, never to be mined
                other.record.status, other.record.error = "failed", f"replaced by {record.tx_hash}"
                self.journal.record(other.record)
        if error is not None:
            raise error
        return receipt

    def _receipt(self, sent: list[_Sent]) -> tuple[_Sent, TxReceipt] | None:
        for version in sent:
            try:
                return version, self.w3.eth.get_transaction_receipt(HexBytes(str(version.record.tx_hash)))
            except TransactionNotFound:
                continue
        return None

    def _unstick(self, signer: Signer, sent: list[_Sent], may_replace: bool) -> int:
        """Send the last version again if the node dropped it from its pool, else replace it if it is still
        pending and `may_replace`; return the number of replacements signed (0 or 1)."""
        last = sent[-1]
        try:
            pending = self.w3.eth.get_transaction(HexBytes(str(last.record.tx_hash)))["blockNumber"] is None
        except TransactionNotFound:
            self._broadcast(last)  # the same bytes: the same hash, and no new record
            return 0
        if not (pending and may_replace):
            return 0
        if (replacement := self._replace(signer, last)) is not None:
            sent.append(replacement)
        return 1

    def _broadcast(self, version: _Sent) -> str | None:
        """Send a signed version; None if the node has it or has mined one of ours for its nonce (TAKEN),
        else the node's refusal, logged: the versions sent before are still waited for."""
        try:
            self.w3.eth.send_raw_transaction(version.raw)
        except Web3RPCError as exc:
            if any(taken in str(exc).lower() for taken in TAKEN):
                return None
            log.warning("%s: the node refused %s: %s", version.record.label, version.record.tx_hash, exc)
            return str(exc)
        return None

    def _replace(self, signer: Signer, last: _Sent) -> _Sent | None:
        """`last` signed again with higher fees, journalled before it is broadcast; None if the node refused it."""
        tx = {**last.tx, **self._bumped_fees(last.tx)}
        record, raw = self._sign_and_record(signer, tx, last.record.label)
        try:
            refusal = self._broadcast(version := _Sent(record, tx, raw))
        except (ConnectionError, OSError) as exc:
            record.status, record.error = "failed", f"broadcast failed: {exc}"
            self.journal.record(record)
            raise ChainUnavailable(f"Chain unreachable while replacing {record.label}") from exc
        if refusal is None:
            record.status = "sent"
        else:
            record.status, record.error = "failed", f"replacement refused: {refusal}"
        self.journal.record(record)
        return version if refusal is None else None

    def _bumped_fees(self, tx: dict[str, Any]) -> dict[str, int]:
        """Fees 12.5% up (rounded up), above the 10% nodes require of a replacement; an EIP-1559 fee cap
        also covers twice the latest base fee plus the new tip."""
        if "gasPrice" in tx:
            return {"gasPrice": _bump(int(tx["gasPrice"]))}
        tip = _bump(int(tx["maxPriorityFeePerGas"]))
        base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
        return {"maxPriorityFeePerGas": tip, "maxFeePerGas": max(_bump(int(tx["maxFeePerGas"])), 2 * base_fee + tip)}

    def _replay_revert(self, tx: dict[str, Any], receipt: TxReceipt, label: str) -> ChainError:
        """Re-run a reverted transaction as a call to recover the revert data: in the state before
        its block when the node keeps history, else in the latest state (Anvil with pruned history)."""
        call: TxParams = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}  # type: ignore[assignment]
        for block in (receipt["blockNumber"] - 1, "latest"):
            try:
                self.w3.eth.call(call, block)
            except Exception as exc:
                if (refusal := _refusal(exc, label)) is not None:
                    return refusal
                if not isinstance(exc, Web3RPCError):
                    raise
                continue  # that block's state is gone
            break
        return TransactionFailed(f"{label} reverted in block {receipt['blockNumber']} (reason not recoverable)")


def _bump(fee: int) -> int:
    return -(-fee * 9 // 8)


def _refusal(exc: Exception, label: str) -> ChainError | None:
    """The typed error for `exc` if it is a revert, in whichever shape the chain reported it; else None."""
    data = revert_data(exc)
    return None if data is None else revert_error(decode_revert(data), label)
