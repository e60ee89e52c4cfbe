"""The one way rwakit writes to a chain.

Every transaction is estimated (a revert is caught before anything is signed), given a nonce
from local bookkeeping, signed by a :class:`Signer`, journalled before it is broadcast, then
followed to its receipt. Reverts come back as typed errors decoded from our own ABIs.

Several processes may send for one key (API workers on one PostgreSQL): a shared :class:`SendGate`
then admits one of them at a time per key, from reading the node's next nonce to the broadcast, so
nonces go out in order with no gap and no collision, and a process that dies in between leaves its
nonce to the next sender.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import TimeExhausted, Web3RPCError
from web3.types import TxParams, TxReceipt, Wei

from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Proposer, Signer
from rwakit.contracts.reverts import decode_revert, revert_error
from rwakit.errors import ChainError, ChainUnavailable, InvalidInput, TransactionFailed

TxStatus = Literal["signed", "sent", "mined", "reverted", "failed"]
ESTIMATE_ATTEMPTS = 3
GAS_MARGIN = 1.2  # estimates can shift with block.timestamp checks (KYC expiry) between estimate and inclusion


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
    ) -> None:
        self.w3 = w3
        self.journal: TxJournal = journal or MemoryJournal()
        self.gate: SendGate = gate or LocalGate()
        self._poll_latency = poll_latency
        self._timeout = timeout
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
            tx = self._build(signer, call, value)
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

    def _build(self, signer: Signer, call: Transactable, value: int) -> dict[str, Any]:
        """The call as a transaction, its gas estimated. Anvil can answer an estimate made while another
        sender's transaction is being mined with BlockOutOfRangeError (measured with three processes
        sending at once, tests/services/test_send_gate.py): such an answer is asked again."""
        base: TxParams = {"from": signer.address, "value": Wei(value), "chainId": self.chain_id}
        for attempt in range(ESTIMATE_ATTEMPTS):
            try:
                return dict(call.build_transaction(base))
            except Web3RPCError as exc:
                if "BlockOutOfRangeError" not in str(exc) or attempt == ESTIMATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable: the loop returns or raises")

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
                record, raw = self._sign_and_journal(signer, tx, label, shared)
                try:
                    tx_hash = self.w3.eth.send_raw_transaction(raw)
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
            return self._wait(record, tx, tx_hash)
        raise AssertionError("unreachable: the loop returns or raises")

    def _sign_and_journal(
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
        tx = {**tx, "nonce": nonce}
        try:
            raw = signer.sign_transaction(tx)
            # The hash is known before broadcast, so a crash after sending can be reconciled from the journal.
            record = TxRecord(
                label=label,
                sender=address,
                nonce=nonce,
                to=tx.get("to"),
                data=str(tx.get("data", "0x")),
                tx_hash=Web3.keccak(raw).to_0x_hex(),
            )
            self.journal.record(record)
        except BaseException:
            self.reset_nonce(address)  # nothing was broadcast: the next transaction reuses the nonce
            raise
        return record, raw

    def _fail(self, record: TxRecord, error: str, signer: Signer) -> None:
        record.status, record.error = "failed", error
        self.journal.record(record)
        self.reset_nonce(signer.address)

    def _wait(self, record: TxRecord, tx: dict[str, Any], tx_hash: HexBytes) -> TxReceipt:
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, self._timeout, self._poll_latency)
        except TimeExhausted as exc:
            raise ChainError(
                f"{record.label}: no receipt for {record.tx_hash} after {self._timeout:.0f} s", code="tx_pending"
            ) from exc
        record.block_number, record.gas_used = receipt["blockNumber"], receipt["gasUsed"]
        if receipt["status"] == 1:
            record.status = "mined"
            self.journal.record(record)
            return receipt
        error = self._replay_revert(tx, receipt, record.label)
        record.status, record.error = "reverted", error.message
        self.journal.record(record)
        raise error

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


def _refusal(exc: Exception, label: str) -> ChainError | None:
    """The typed error for `exc` if it is a revert, in whichever shape the chain reported it; else None."""
    data = revert_data(exc)
    return None if data is None else revert_error(decode_revert(data), label)
