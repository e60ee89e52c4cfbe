"""Issuer controls (ERC-3643's agent powers), each recorded in the audit trail with its reason:
freeze, partial freeze, forced transfer, wallet recovery, pause, redemption, documents.

The value-moving controls (forced transfer, recovery, redemption) can also be taken in two steps,
``plan_*`` (check the input and say what will be sent and recorded, sending nothing) then
:meth:`ControlsService.perform` (see rwakit.tokenize.audited)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web3.types import TxReceipt

from rwakit.chain.signer import Proposer, Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.errors import InvalidInput
from rwakit.registry.service import RegistryService
from rwakit.tokenize.audit import AuditEntry, AuditLog
from rwakit.tokenize.audited import AuditedCall, AuditedSender
from rwakit.tokenize.service import AssetService
from rwakit.units import from_timestamp, investor_id_to_bytes32, to_address, to_bytes32

DOCUMENT_NAME_BYTES = 32


@dataclass(frozen=True)
class Document:
    """An ERC-1643 document of an asset."""

    name: str
    uri: str
    document_hash: str
    last_modified: datetime


class ControlsService:
    """Agent actions on assets, signed by the issuer's agent and audited."""

    def __init__(
        self, txm: TransactionManager, assets: AssetService, registry: RegistryService, agent: Signer, audit: AuditLog
    ) -> None:
        self._assets = assets
        self._registry = registry
        self._agent = agent
        self._sender = AuditedSender(txm, assets, agent, audit, label="{action} on {asset}")

    # -- freezing -------------------------------------------------------------------------

    def freeze_wallet(self, asset: str, wallet: str, *, reason: str, frozen: bool = True) -> TxReceipt:
        """Freeze (or unfreeze) a whole wallet: it can neither send nor receive this asset."""
        wallet = to_address(wallet)
        action = "freeze_wallet" if frozen else "unfreeze_wallet"
        return self._sender.send(asset, action, reason, "setAddressFrozen", (wallet, frozen), wallet=wallet)

    def freeze_wallets(self, asset: str, wallets: Sequence[str], *, reason: str, frozen: bool = True) -> TxReceipt:
        addresses = [to_address(w) for w in _non_empty(wallets)]
        action = "freeze_wallet" if frozen else "unfreeze_wallet"
        flags = [frozen] * len(addresses)
        return self._sender.send(asset, action, reason, "batchSetAddressFrozen", (addresses, flags), wallets=addresses)

    def freeze_tokens(self, asset: str, wallet: str, amount: str | int, *, reason: str) -> TxReceipt:
        """Freeze part of a wallet's shares: they stay there but cannot move. At most the wallet's
        unfrozen balance (ERC-3643's rule); to withhold shares it will receive, use set_frozen_tokens."""
        value = self._amount(asset, amount)
        wallet = to_address(wallet)
        return self._sender.send(
            asset, "freeze_tokens", reason, "freezePartialTokens", (wallet, value), wallet=wallet, amount=value
        )

    def set_frozen_tokens(self, asset: str, wallet: str, amount: str | int, *, reason: str) -> TxReceipt:
        """Set the wallet's frozen amount (ERC-7943's setFrozenTokens): it may exceed the balance, so
        shares the wallet receives later stay frozen up to it."""
        value = self._amount(asset, amount)
        wallet = to_address(wallet)
        return self._sender.send(
            asset, "set_frozen_tokens", reason, "setFrozenTokens", (wallet, value), wallet=wallet, amount=value
        )

    def unfreeze_tokens(self, asset: str, wallet: str, amount: str | int, *, reason: str) -> TxReceipt:
        value = self._amount(asset, amount)
        wallet = to_address(wallet)
        return self._sender.send(
            asset, "unfreeze_tokens", reason, "unfreezePartialTokens", (wallet, value), wallet=wallet, amount=value
        )

    def freeze_tokens_batch(self, asset: str, rows: Sequence[tuple[str, str | int]], *, reason: str) -> TxReceipt:
        wallets = [to_address(w) for w, _ in _non_empty(rows)]
        values = self._assets.amounts(asset, [a for _, a in rows])
        return self._sender.send(
            asset,
            "freeze_tokens",
            reason,
            "batchFreezePartialTokens",
            (wallets, values),
            wallets=wallets,
            amounts=values,
        )

    def unfreeze_tokens_batch(self, asset: str, rows: Sequence[tuple[str, str | int]], *, reason: str) -> TxReceipt:
        wallets = [to_address(w) for w, _ in _non_empty(rows)]
        values = self._assets.amounts(asset, [a for _, a in rows])
        return self._sender.send(
            asset, "unfreeze_tokens", reason, "batchUnfreezePartialTokens", (wallets, values),
            wallets=wallets, amounts=values,
        )  # fmt: skip

    # -- forced moves ---------------------------------------------------------------------

    def forced_transfer(self, asset: str, sender: str, to: str, amount: str | int, *, reason: str) -> TxReceipt:
        """Move shares without the holder's consent (a court order): bypasses lock-up, pause and
        freezes, but still refuses a receiver who is not verified. A reason is required."""
        return self.perform(self.plan_forced_transfer(asset, sender, to, amount, reason=reason))

    def plan_forced_transfer(self, asset: str, sender: str, to: str, amount: str | int, *, reason: str) -> AuditedCall:
        _required(reason)
        value = self._amount(asset, amount)
        source, receiver = to_address(sender), self._assets.recipient(to)
        _distinct(source, receiver)
        return self._sender.plan(
            asset, "forced_transfer", reason, "forcedTransfer", (source, receiver, value),
            sender=source, to=receiver, amount=value,
        )  # fmt: skip

    def forced_transfer_batch(
        self, asset: str, rows: Sequence[tuple[str, str, str | int]], *, reason: str
    ) -> TxReceipt:
        return self.perform(self.plan_forced_transfer_batch(asset, rows, reason=reason))

    def plan_forced_transfer_batch(
        self, asset: str, rows: Sequence[tuple[str, str, str | int]], *, reason: str
    ) -> AuditedCall:
        _required(reason)
        senders = [to_address(s) for s, _, _ in _non_empty(rows)]
        receivers = [self._assets.recipient(t) for _, t, _ in rows]
        for source, receiver in zip(senders, receivers, strict=True):
            _distinct(source, receiver)
        values = self._assets.amounts(asset, [a for _, _, a in rows])
        return self._sender.plan(
            asset, "forced_transfer", reason, "batchForcedTransfer", (senders, receivers, values),
            senders=senders, receivers=receivers, amounts=values,
        )  # fmt: skip

    def recover_wallet(self, asset: str, lost: str, new: str, investor_id: str, *, reason: str) -> TxReceipt:
        """Move a lost wallet's shares (and frozen amounts) to a new wallet of the same investor. The
        registrar first adds the new wallet and removes the lost one (on chain the token refuses a
        lost wallet still registered to the investor: AssetRecoveryWalletRegistered), so that the
        lost wallet can neither hold nor receive the investor's shares afterwards."""
        return self.perform(self.plan_recover_wallet(asset, lost, new, investor_id, reason=reason))

    def plan_recover_wallet(self, asset: str, lost: str, new: str, investor_id: str, *, reason: str) -> AuditedCall:
        _required(reason)
        lost_wallet, new_wallet = to_address(lost), to_address(new)
        args = (lost_wallet, new_wallet, investor_id_to_bytes32(investor_id))
        return self._sender.plan(
            asset, "recover_wallet", reason, "recoveryAddress", args,
            lost=lost_wallet, new=new_wallet, investor_id=investor_id,
        )  # fmt: skip

    def recover_wallet_everywhere(self, lost: str, new: str, investor_id: str, *, reason: str) -> list[TxReceipt]:
        """Recover the lost wallet in every asset where it holds shares."""
        return [self.perform(p) for p in self.plan_recover_wallet_everywhere(lost, new, investor_id, reason=reason)]

    def plan_recover_wallet_everywhere(
        self, lost: str, new: str, investor_id: str, *, reason: str
    ) -> list[AuditedCall]:
        """One recovery per asset where the lost wallet holds shares now (none: an empty list). Under a Safe,
        refused when that is more than one asset (`recovery_exceeds_proposal`): each recovery would be its own
        proposal, and one request answers with one proposal, so the later assets would never be proposed."""
        held = [asset for asset in self._assets.list() if self._assets.balance(asset.address, lost)]
        planned = [self.plan_recover_wallet(a.address, lost, new, investor_id, reason=reason) for a in held]
        if isinstance(self._agent, Proposer) and len(planned) > 1:
            symbols = [asset.symbol for asset in held]
            raise InvalidInput(
                f"A Safe holds the roles and {lost} holds shares in {len(held)} assets ({', '.join(symbols)}): "
                "each asset's recovery is one Safe proposal, so recover them one asset at a time "
                "(`rwakit control recover ... --asset SYMBOL`, or POST /assets/{asset}/recover-wallet)",
                code="recovery_exceeds_proposal",
                assets=symbols,
            )
        return planned

    def redeem(self, asset: str, wallet: str, amount: str | int, *, reason: str) -> TxReceipt:
        """Burn shares (a redemption or a correction); frozen shares are released as needed."""
        return self.perform(self.plan_redeem(asset, wallet, amount, reason=reason))

    def plan_redeem(self, asset: str, wallet: str, amount: str | int, *, reason: str) -> AuditedCall:
        value = self._amount(asset, amount)
        wallet = to_address(wallet)
        return self._sender.plan(asset, "redeem", reason, "burn", (wallet, value), wallet=wallet, amount=value)

    def pause(self, asset: str, *, reason: str) -> TxReceipt:
        return self._sender.send(asset, "pause", reason, "pause", ())

    def unpause(self, asset: str, *, reason: str) -> TxReceipt:
        return self._sender.send(asset, "unpause", reason, "unpause", ())

    # -- documents (ERC-1643) -------------------------------------------------------------

    def set_document(self, asset: str, name: str, uri: str, document_hash: str, *, reason: str = "") -> TxReceipt:
        raw_hash = to_bytes32(document_hash)
        return self._sender.send(
            asset, "set_document", reason, "setDocument", (_name32(name), uri, raw_hash),
            name=name, uri=uri, document_hash="0x" + raw_hash.hex(),
        )  # fmt: skip

    def remove_document(self, asset: str, name: str, *, reason: str = "") -> TxReceipt:
        return self._sender.send(asset, "remove_document", reason, "removeDocument", (_name32(name),), name=name)

    def documents(self, asset: str) -> list[Document]:
        token = self._assets.token(asset)
        result = []
        for raw in token.functions.getAllDocuments().call():
            uri, document_hash, modified = token.functions.getDocument(raw).call()
            result.append(
                Document(raw.rstrip(b"\0").decode(), uri, "0x" + document_hash.hex(), from_timestamp(modified))
            )
        return result

    def audit_trail(self, asset: str | None = None) -> list[AuditEntry]:
        return self._sender.entries(asset)

    # -- helpers --------------------------------------------------------------------------

    def perform(self, planned: AuditedCall) -> TxReceipt:
        """Send a planned control, signed by the agent, and record it in the audit trail."""
        receipt = self._sender.transact(planned)
        self.record(self._sender.entry(planned, receipt))  # every entry goes through `record`
        return receipt

    def record(self, entry: AuditEntry) -> None:
        """Write an audit entry (perform does; the API also completes one a crash left unwritten)."""
        self._sender.record(entry)

    def _amount(self, asset: str, amount: str | int) -> int:
        return self._assets.amount(asset, amount)


def _required(reason: str) -> None:
    if not reason or not reason.strip():
        raise InvalidInput("This action needs a reason (e.g. the court order's reference)", code="reason_required")


def _distinct(sender: str, receiver: str) -> None:
    """A forced transfer from a wallet to itself moves nothing but would lift its freeze: refused on
    chain too (AssetForcedTransferToSelf); only an unfreeze lifts a freeze."""
    if sender == receiver:
        raise InvalidInput(
            f"A forced transfer needs two wallets: {sender} is both sender and receiver (to lift a freeze, unfreeze)",
            code="forced_transfer_to_self",
            wallet=sender,
        )


def _non_empty(rows: Sequence[Any]) -> Sequence[Any]:
    if not rows:
        raise InvalidInput("The batch is empty", code="empty_batch")
    return rows


def _name32(name: str) -> bytes:
    raw = name.encode()
    if not raw or len(raw) > DOCUMENT_NAME_BYTES:
        raise InvalidInput("A document name is 1 to 32 bytes (e.g. 'prospectus')", code="invalid_document_name")
    return raw.ljust(DOCUMENT_NAME_BYTES, b"\0")
