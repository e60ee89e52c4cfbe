"""Issuer controls: freezes, forced transfers, wallet recovery, redemption and ERC-1643 documents.
Each takes a `reason`, is signed by the platform's agent, recorded in the audit trail as the calling
key, and answered with its audit entry. Those that move or burn shares need an `Idempotency-Key`
header, as issuances do: see rwakit.api.services.controls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from rwakit.api.deps import (
    AsOfRead,
    IdempotencyKey,
    IssuerDep,
    PlatformDep,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
    idempotent_responses,
    stored_reply,
)
from rwakit.api.errors import Forbidden, error_responses
from rwakit.api.schemas.assets import AssetPublic
from rwakit.api.schemas.common import Address, AssetRef, DocumentName, InvestorId
from rwakit.api.schemas.controls import (
    ControlPublic,
    DocumentPublic,
    DocumentSet,
    ForcedTransferBatchCreate,
    ForcedTransferCreate,
    ReasonBody,
    RecoveryCreate,
    RecoveryEverywhere,
    RedemptionCreate,
    SharesBatchControl,
    SharesControl,
    WalletControl,
    WalletsControl,
    WalletStatus,
)
from rwakit.api.services import asset_state
from rwakit.api.services import assets as assets_service
from rwakit.api.services import controls as service

router = APIRouter(tags=["controls"], responses=error_responses(401, 403, 404, 409, 502, 504))


def get_desk(
    session: SessionDep, platform: PlatformDep, runtime: RuntimeDep, principal: IssuerDep
) -> service.ControlDesk:
    return service.ControlDesk(
        session=session, platform=platform, principal=principal,
        lease_seconds=runtime.settings.issuance_lease_seconds, faults=runtime.faults,
    )  # fmt: skip


ControlDeskDep = Annotated[service.ControlDesk, Depends(get_desk)]
ReasonQuery = Annotated[str, Query(max_length=1000, description="Why (recorded in the audit trail)")]


# -- pause ----------------------------------------------------------------------------------


@router.post("/assets/{asset}/pause")
def pause_asset(
    asset: AssetRef, session: SessionDep, platform: PlatformDep, desk: ControlDeskDep, body: ReasonBody | None = None
) -> AssetPublic:
    """Stop transfers between holders (1, paused); issuance, redemption, forced transfers and recovery
    continue. 409 pause_unchanged if already paused."""
    desk.set_paused(asset, paused=True, reason=body.reason if body else "")
    return assets_service.get_public(session=session, platform=platform, asset=asset)


@router.post("/assets/{asset}/unpause")
def unpause_asset(
    asset: AssetRef, session: SessionDep, platform: PlatformDep, desk: ControlDeskDep, body: ReasonBody | None = None
) -> AssetPublic:
    desk.set_paused(asset, paused=False, reason=body.reason if body else "")
    return assets_service.get_public(session=session, platform=platform, asset=asset)


# -- whole wallets ------------------------------------------------------------------------


@router.post("/assets/{asset}/freeze")
def freeze_wallet(asset: AssetRef, body: WalletControl, desk: ControlDeskDep) -> ControlPublic:
    """Freeze a wallet: it can neither send (10, sender_frozen) nor receive (11, receiver_frozen) this asset."""
    return desk.freeze_wallet(asset, body, frozen=True)


@router.post("/assets/{asset}/unfreeze")
def unfreeze_wallet(asset: AssetRef, body: WalletControl, desk: ControlDeskDep) -> ControlPublic:
    return desk.freeze_wallet(asset, body, frozen=False)


@router.post("/assets/{asset}/freeze/batch")
def freeze_wallets(asset: AssetRef, body: WalletsControl, desk: ControlDeskDep) -> ControlPublic:
    """Freeze many wallets in one transaction: all or none."""
    return desk.freeze_wallets(asset, body, frozen=True)


@router.post("/assets/{asset}/unfreeze/batch")
def unfreeze_wallets(asset: AssetRef, body: WalletsControl, desk: ControlDeskDep) -> ControlPublic:
    return desk.freeze_wallets(asset, body, frozen=False)


# -- part of a wallet's shares ------------------------------------------------------------


@router.post("/assets/{asset}/freeze-shares")
def freeze_shares(asset: AssetRef, body: SharesControl, desk: ControlDeskDep) -> ControlPublic:
    """Freeze `amount` more of a wallet's shares: they stay there but cannot move
    (12, insufficient_unfrozen_balance); a forced transfer or redemption releases them as needed."""
    return desk.freeze_shares(asset, body, frozen=True)


@router.post("/assets/{asset}/unfreeze-shares")
def unfreeze_shares(asset: AssetRef, body: SharesControl, desk: ControlDeskDep) -> ControlPublic:
    """Release `amount` of a wallet's frozen shares (409 unfreeze_exceeds_frozen for more than is frozen)."""
    return desk.freeze_shares(asset, body, frozen=False)


@router.post("/assets/{asset}/freeze-shares/batch")
def freeze_shares_batch(asset: AssetRef, body: SharesBatchControl, desk: ControlDeskDep) -> ControlPublic:
    return desk.freeze_shares_batch(asset, body)


@router.post("/assets/{asset}/unfreeze-shares/batch")
def unfreeze_shares_batch(asset: AssetRef, body: SharesBatchControl, desk: ControlDeskDep) -> ControlPublic:
    return desk.unfreeze_shares_batch(asset, body)


@router.get("/assets/{asset}/wallets/{wallet}")
def get_wallet_status(asset: AssetRef, wallet: Address, principal: PrincipalDep, read: AsOfRead) -> WalletStatus:
    """A wallet's balance, frozen flag and frozen shares in the asset (an investor key: its own wallets), from
    the index: now, as of a block (`block`) or the end of a UTC day (`at`)."""
    status = asset_state.wallet_status(read, asset, wallet)
    if not principal.is_staff and status.investor_id != principal.investor_id:
        raise Forbidden(f"{status.wallet} is not a wallet of investor {principal.investor_id}", code="forbidden_wallet")
    return status


# -- forced moves, recovery, redemption: once per idempotency key -------------------------

KEYED = idempotent_responses("control", more="; or the contract refused the control (e.g. `compliance_refused`)")


@router.post("/assets/{asset}/forced-transfers", response_model=ControlPublic, responses=KEYED)
def forced_transfer(
    asset: AssetRef, body: ForcedTransferCreate, desk: ControlDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Move shares without the holder's consent (a court order); `reason` is required (422
    reason_required). Bypasses pause, lock-up, minimum lot, country and class rules and freezes (frozen
    shares taken are released), but still refuses a receiver who is not verified and keeps the
    per-investor limits."""
    return stored_reply(desk.forced_transfer(asset, body, idempotency_key))


@router.post("/assets/{asset}/forced-transfers/batch", response_model=ControlPublic, responses=KEYED)
def forced_transfer_batch(
    asset: AssetRef, body: ForcedTransferBatchCreate, desk: ControlDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Many forced transfers in one transaction: all or none."""
    return stored_reply(desk.forced_transfer_batch(asset, body, idempotency_key))


@router.post("/assets/{asset}/recover-wallet", response_model=ControlPublic, responses=KEYED)
def recover_wallet(
    asset: AssetRef, body: RecoveryCreate, desk: ControlDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Move a lost wallet's shares, frozen shares and frozen flag to a new wallet the registrar has
    added to the same investor; `reason` is required (409 recovery_invalid if the wallets do not fit)."""
    return stored_reply(desk.recover_wallet(asset, body, idempotency_key))


@router.post(
    "/investors/{investor_id}/recover-wallet",
    response_model=list[ControlPublic],
    responses=idempotent_responses(
        "control",
        more="; `recovery_invalid`, `nothing_to_recover`; `control_partial`: an asset's recovery was refused or not "
        "sent after others went through (`done`, `not_done`); 422 `recovery_exceeds_proposal`: under a Safe, more "
        "than one asset (recover each with POST /assets/{asset}/recover-wallet)",
    ),
)
def recover_wallet_everywhere(
    investor_id: InvestorId, body: RecoveryEverywhere, desk: ControlDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Recover the lost wallet in every asset where it holds shares (one transaction each)."""
    return stored_reply(desk.recover_wallet_everywhere(investor_id, body, idempotency_key))


@router.post("/assets/{asset}/redeem", response_model=ControlPublic, responses=KEYED)
def redeem(
    asset: AssetRef, body: RedemptionCreate, desk: ControlDeskDep, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """Burn shares of a wallet (a redemption or a correction); frozen shares are released as needed."""
    return stored_reply(desk.redeem(asset, body, idempotency_key))


# -- documents (ERC-1643) -----------------------------------------------------------------


@router.get("/assets/{asset}/documents")
def list_documents(asset: AssetRef, _: PrincipalDep, read: AsOfRead) -> list[DocumentPublic]:
    """The asset's documents (the offering document given at creation is named `offering`), from the index:
    now, as of a block (`block`) or the end of a UTC day (`at`)."""
    return asset_state.documents(read, asset)


@router.get("/assets/{asset}/documents/{name}")
def get_document(asset: AssetRef, name: DocumentName, _: PrincipalDep, read: AsOfRead) -> DocumentPublic:
    return asset_state.document(read, asset, name)


@router.put("/assets/{asset}/documents/{name}")
def set_document(asset: AssetRef, name: DocumentName, body: DocumentSet, desk: ControlDeskDep) -> ControlPublic:
    """Publish a document (or replace the one of that name): URI and SHA-256; a name is 1-32 bytes."""
    return desk.set_document(asset, name, body)


@router.delete("/assets/{asset}/documents/{name}")
def remove_document(
    asset: AssetRef, name: DocumentName, desk: ControlDeskDep, reason: ReasonQuery = ""
) -> ControlPublic:
    """Remove a document (404 document_not_found if the asset has none of that name)."""
    return desk.remove_document(asset, name, reason)
