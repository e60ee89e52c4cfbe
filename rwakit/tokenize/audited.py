"""Token calls that are recorded in the audit trail: what issuer controls and rule changes share.

A call can be planned (checked, and its audit entry known, nothing sent) and performed later, so
that a caller can persist the plan first (the API's idempotency keys do)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3.types import TxReceipt

from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.tokenize.audit import AuditEntry, AuditLog, current_actor
from rwakit.tokenize.service import AssetService


@dataclass(frozen=True)
class AuditedCall:
    """A token call checked and ready to send, and the audit entry it records once mined."""

    asset: str  # the token's address
    action: str
    reason: str
    function: str
    args: tuple[Any, ...]
    details: dict[str, Any]
    label: str

    def entry(self, *, actor: str, tx_hash: str) -> AuditEntry:
        return AuditEntry(
            actor=actor, action=self.action, asset=self.asset, reason=self.reason, tx_hash=tx_hash, details=self.details
        )


class AuditedSender:
    """Sends token calls signed by one role and records each as the current actor (the signer,
    unless `acting_as`). `label` names each transaction in the journal, from `action`, `function`
    and `asset`."""

    def __init__(
        self, txm: TransactionManager, assets: AssetService, signer: Signer, audit: AuditLog, *, label: str
    ) -> None:
        self._txm = txm
        self._assets = assets
        self._signer = signer
        self._audit = audit
        self._label = label

    def plan(
        self, asset: str, action: str, reason: str, function: str, args: tuple[Any, ...], **details: Any
    ) -> AuditedCall:
        label = self._label.format(action=action, function=function, asset=asset)
        return AuditedCall(self._assets.resolve(asset), action, reason, function, args, details, label)

    def perform(self, call: AuditedCall) -> TxReceipt:
        receipt = self.transact(call)
        self.record(self.entry(call, receipt))
        return receipt

    def transact(self, call: AuditedCall) -> TxReceipt:
        """Send the call, signed by this sender's role, without recording it."""
        token = self._assets.token(call.asset)
        function = getattr(token.functions, call.function)
        return self._txm.transact(self._signer, function(*call.args), label=call.label)

    def entry(self, call: AuditedCall, receipt: TxReceipt) -> AuditEntry:
        """The audit entry of a mined call, as the current actor."""
        return call.entry(actor=current_actor(self._signer.address), tx_hash=receipt["transactionHash"].to_0x_hex())

    def send(
        self, asset: str, action: str, reason: str, function: str, args: tuple[Any, ...], **details: Any
    ) -> TxReceipt:
        return self.perform(self.plan(asset, action, reason, function, args, **details))

    def record(self, entry: AuditEntry) -> None:
        self._audit.record(entry)

    def entries(self, asset: str | None = None) -> list[AuditEntry]:
        return self._audit.entries(asset=None if asset is None else self._assets.resolve(asset))
