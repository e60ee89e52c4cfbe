from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from rwakit.api.deps import (
    IdempotencyKey,
    IssuerDep,
    Offset,
    PlatformDep,
    RowId,
    RuntimeDep,
    SessionDep,
    StaffDep,
    idempotent_responses,
    replayed,
)
from rwakit.api.errors import error_responses
from rwakit.api.schemas.issuances import BatchIssuanceCreate, IssuanceCreate, IssuancePublic
from rwakit.api.services.idempotency import Outcome
from rwakit.api.services.issuances import IssuanceService, public
from rwakit.db import issuances as store
from rwakit.errors import NotFound

router = APIRouter(prefix="/issuances", tags=["issuances"], responses=error_responses(401, 403, 404, 409, 502, 504))
KEYED = idempotent_responses("issuance", success=201, more="; `batch_refused`, or the contract refused the issuance")


def get_service(
    session: SessionDep, platform: PlatformDep, runtime: RuntimeDep, principal: IssuerDep
) -> IssuanceService:
    return IssuanceService(
        session=session, platform=platform, settings=runtime.settings, principal=principal, faults=runtime.faults
    )


IssuanceServiceDep = Annotated[IssuanceService, Depends(get_service)]


def _reply(outcome: Outcome[IssuancePublic], response: Response) -> IssuancePublic:
    replayed(response, outcome.replayed)
    return outcome.result


@router.post("", status_code=status.HTTP_201_CREATED, responses=KEYED)
def issue(
    body: IssuanceCreate, response: Response, service: IssuanceServiceDep, idempotency_key: IdempotencyKey
) -> IssuancePublic:
    """Issue shares of an asset to one investor (their first wallet) or wallet, in one transaction."""
    return _reply(service.issue(idempotency_key, body), response)


@router.post("/batch", status_code=status.HTTP_201_CREATED, responses=KEYED)
def issue_batch(
    body: BatchIssuanceCreate, response: Response, service: IssuanceServiceDep, idempotency_key: IdempotencyKey
) -> IssuancePublic:
    """Issue to many investors: chunks of `issuance_chunk_size` rows, one batchMint transaction each,
    all-or-nothing per chunk; the result reports every row."""
    return _reply(service.issue(idempotency_key, body), response)


@router.get("")
def list_issuances(
    session: SessionDep,
    _: StaffDep,
    asset: Annotated[str | None, Query(description="Only this asset, by symbol as issued")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[IssuancePublic]:
    """Issuances, newest first."""
    return [public(row) for row in store.list_issuances(session, asset=asset, offset=offset, limit=limit)]


@router.get("/{issuance_id:int}")  # digits only: GET /issuances/batch is 405, not an id
def get_issuance(issuance_id: RowId, session: SessionDep, _: StaffDep) -> IssuancePublic:
    row = session.get(store.Issuance, issuance_id)
    if row is None:
        raise NotFound(f"No issuance {issuance_id}", code="issuance_not_found", issuance_id=issuance_id)
    return public(row)
