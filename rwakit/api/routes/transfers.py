from __future__ import annotations

from fastapi import APIRouter, status

from rwakit.api.deps import CustodyDep, HolderDep, PlatformDep, PrincipalDep, RegistrarDep, SessionDep, StaffDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.transfers import (
    CustodialWalletCreate,
    CustodialWalletPublic,
    TransferCheck,
    TransferCheckResult,
    TransferCreate,
    TransferPublic,
)
from rwakit.api.services import custody as custody_service
from rwakit.api.services import transfers as service

router = APIRouter(tags=["transfers"], responses=error_responses(401, 403, 404, 409, 502, 504))


@router.post("/transfers/check")
def check_transfer(body: TransferCheck, platform: PlatformDep, principal: PrincipalDep) -> TransferCheckResult:
    """Would this transfer pass compliance now? `allowed`, and if not the reason code and name."""
    return service.check(platform=platform, principal=principal, data=body)


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def transfer(
    body: TransferCreate, session: SessionDep, platform: PlatformDep, custody: CustodyDep, principal: HolderDep
) -> TransferPublic:
    """Transfer from a custodial wallet (the platform signs): an investor key for its own wallets, or admin."""
    return service.transfer(session=session, platform=platform, custody=custody, principal=principal, data=body)


@router.post("/custodial-wallets", status_code=status.HTTP_201_CREATED)
def add_custodial_wallet(
    body: CustodialWalletCreate, session: SessionDep, platform: PlatformDep, custody: CustodyDep, _: RegistrarDep
) -> CustodialWalletPublic:
    """Record a wallet whose key the platform's custody holds, so its holder can transfer through the API."""
    row = custody_service.add_custodial_wallet(session, custody, address=body.address, label=body.label)
    return CustodialWalletPublic(
        address=row.address,
        key_ref=row.key_ref,
        label=row.label,
        investor_id=platform.registry.investor_of(row.address),
    )


@router.get("/custodial-wallets")
def list_custodial_wallets(session: SessionDep, platform: PlatformDep, _: StaffDep) -> list[CustodialWalletPublic]:
    return [
        CustodialWalletPublic(address=row.address, key_ref=row.key_ref, label=row.label, investor_id=investor_id)
        for row, investor_id in custody_service.custodial_wallets(session, platform)
    ]
