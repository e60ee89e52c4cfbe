"""Issuer controls over HTTP: each one signed by the platform's agent, recorded in the audit trail
as the calling API key (``acting_as``) with its reason, and answered with that audit entry.

They are not idempotent: a retried request acts again. Before retrying one whose outcome is
unknown, look for its entry in ``GET /audit`` (or its transaction in ``GET /transactions``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session, col, select
from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.errors import Conflict
from rwakit.api.schemas.controls import (
    ControlPublic,
    DocumentPublic,
    DocumentSet,
    ForcedTransferBatchCreate,
    ForcedTransferCreate,
    RecoveryCreate,
    RecoveryEverywhere,
    RedemptionCreate,
    SharesBatchControl,
    SharesControl,
    WalletControl,
    WalletsControl,
    WalletStatus,
)
from rwakit.api.services import audit as audit_service
from rwakit.api.services.reads import Call, read
from rwakit.db.audit import AuditRecord
from rwakit.db.journal import journal_ref
from rwakit.errors import NotFound
from rwakit.platform import Platform
from rwakit.tokenize.audit import acting_as
from rwakit.units import format_units, to_address


class ControlDesk:
    """The controls one API caller may take; routes call one method each."""

    def __init__(self, *, session: Session, platform: Platform, principal: Principal) -> None:
        self.session = session
        self.platform = platform
        self.principal = principal
        self.controls = platform.controls

    # -- freezing -------------------------------------------------------------------------

    def freeze_wallet(self, asset: str, data: WalletControl, *, frozen: bool) -> ControlPublic:
        return self._one(lambda: self.controls.freeze_wallet(asset, data.wallet, reason=data.reason, frozen=frozen))

    def freeze_wallets(self, asset: str, data: WalletsControl, *, frozen: bool) -> ControlPublic:
        return self._one(lambda: self.controls.freeze_wallets(asset, data.wallets, reason=data.reason, frozen=frozen))

    def freeze_shares(self, asset: str, data: SharesControl, *, frozen: bool) -> ControlPublic:
        act = self.controls.freeze_tokens if frozen else self.controls.unfreeze_tokens
        return self._one(lambda: act(asset, data.wallet, data.amount, reason=data.reason))

    def freeze_shares_batch(self, asset: str, data: SharesBatchControl) -> ControlPublic:
        rows = [(row.wallet, row.amount) for row in data.rows]
        return self._one(lambda: self.controls.freeze_tokens_batch(asset, rows, reason=data.reason))

    def unfreeze_shares_batch(self, asset: str, data: SharesBatchControl) -> ControlPublic:
        rows = [(row.wallet, row.amount) for row in data.rows]
        return self._one(lambda: self.controls.unfreeze_tokens_batch(asset, rows, reason=data.reason))

    # -- forced moves, redemption, pause --------------------------------------------------

    def forced_transfer(self, asset: str, data: ForcedTransferCreate) -> ControlPublic:
        return self._one(
            lambda: self.controls.forced_transfer(asset, data.sender, data.to, data.amount, reason=data.reason)
        )

    def forced_transfer_batch(self, asset: str, data: ForcedTransferBatchCreate) -> ControlPublic:
        rows = [(row.sender, row.to, row.amount) for row in data.transfers]
        return self._one(lambda: self.controls.forced_transfer_batch(asset, rows, reason=data.reason))

    def recover_wallet(self, asset: str, data: RecoveryCreate) -> ControlPublic:
        return self._one(
            lambda: self.controls.recover_wallet(asset, data.lost, data.new, data.investor_id, reason=data.reason)
        )

    def recover_wallet_everywhere(self, investor_id: str, data: RecoveryEverywhere) -> list[ControlPublic]:
        self.platform.registry.get(investor_id)  # 404 for an unknown investor
        with self._acting():
            receipts = self.controls.recover_wallet_everywhere(data.lost, data.new, investor_id, reason=data.reason)
        if not receipts:
            raise Conflict(
                f"{data.lost} holds no shares in any asset: nothing to recover",
                code="nothing_to_recover",
                lost=data.lost,
            )
        return [self._result(receipt) for receipt in receipts]

    def redeem(self, asset: str, data: RedemptionCreate) -> ControlPublic:
        return self._one(lambda: self.controls.redeem(asset, data.wallet, data.amount, reason=data.reason))

    def set_paused(self, asset: str, *, paused: bool, reason: str) -> ControlPublic:
        act = self.controls.pause if paused else self.controls.unpause
        return self._one(lambda: act(asset, reason=reason))

    # -- documents (ERC-1643) -------------------------------------------------------------

    def set_document(self, asset: str, name: str, data: DocumentSet) -> ControlPublic:
        return self._one(
            lambda: self.controls.set_document(asset, name, data.uri, data.document_hash, reason=data.reason)
        )

    def remove_document(self, asset: str, name: str, reason: str) -> ControlPublic:
        return self._one(lambda: self.controls.remove_document(asset, name, reason=reason))

    # -- helpers --------------------------------------------------------------------------

    @contextmanager
    def _acting(self) -> Iterator[None]:
        with acting_as(self.principal.actor), journal_ref(f"control:{self.principal.prefix}"):
            yield

    def _one(self, send: Callable[[], TxReceipt]) -> ControlPublic:
        with self._acting():
            receipt = send()
        return self._result(receipt)

    def _result(self, receipt: TxReceipt) -> ControlPublic:
        """The audit entry the control recorded, with where its transaction was mined."""
        tx_hash = receipt["transactionHash"].to_0x_hex()
        query = select(AuditRecord).where(AuditRecord.tx_hash == tx_hash).order_by(col(AuditRecord.id).desc())
        row = self.session.exec(query).first()
        assert row is not None, "the control's audit entry is recorded before it returns"
        (entry,) = audit_service.public(self.platform, [row])
        return ControlPublic(
            **entry.model_dump(), block_number=int(receipt["blockNumber"]), gas_used=int(receipt["gasUsed"])
        )


def documents(platform: Platform, asset: str) -> list[DocumentPublic]:
    return [
        DocumentPublic(name=d.name, uri=d.uri, document_hash=d.document_hash, last_modified=d.last_modified)
        for d in platform.controls.documents(asset)
    ]


def document(platform: Platform, asset: str, name: str) -> DocumentPublic:
    for found in documents(platform, asset):
        if found.name == name:
            return found
    raise NotFound(f"{asset} has no document named {name!r}", code="document_not_found", asset=asset, name=name)


def wallet_status(platform: Platform, asset: str, wallet: str) -> WalletStatus:
    """A wallet's balance and frozen state in one asset, read at one block."""
    wallet = to_address(wallet)
    address = platform.assets.token(asset).address
    symbol, decimals, balance, frozen, frozen_amount = read(
        platform.chain.w3,
        [
            Call(address, "symbol()", (), "string"),
            Call(address, "decimals()", (), "uint8"),
            Call(address, "balanceOf(address)", (wallet,)),
            Call(address, "isFrozen(address)", (wallet,), "bool"),
            Call(address, "getFrozenTokens(address)", (wallet,)),
        ],
    )
    return WalletStatus(
        asset=symbol,
        wallet=wallet,
        investor_id=platform.registry.investor_of(wallet),
        balance=format_units(balance, decimals),
        frozen=frozen,
        frozen_amount=format_units(frozen_amount, decimals),
        unfrozen_balance=format_units(max(balance - frozen_amount, 0), decimals),
    )
