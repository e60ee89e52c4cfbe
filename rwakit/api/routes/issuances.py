from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

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
KEYED = {
    **idempotent_responses("issuance", success=201, more="; `batch_refused`, or the contract refused the issuance"),
    202: {
        "model": IssuancePublic,
        "description": "Validated and queued (`Prefer: respond-async`, or a long batch): a sender sends it; its "
        "status is at the `Location` URL",
        "headers": {"Location": {"description": "/issuances/{id}", "schema": {"type": "string"}}},
    },
}


def get_service(
    session: SessionDep, platform: PlatformDep, runtime: RuntimeDep, principal: IssuerDep
) -> IssuanceService:
    return IssuanceService(
        session=session, platform=platform, settings=runtime.settings, principal=principal, faults=runtime.faults,
        queued=runtime.wake_sender,
    )  # fmt: skip


IssuanceServiceDep = Annotated[IssuanceService, Depends(get_service)]
Prefer = Annotated[
    str | None,
    Header(
        description="`respond-async`: answer 202 with the status URL once the issuance is validated and queued, "
        "instead of waiting for its transactions (RFC 7240)",
        max_length=200,
    ),
]
UNFINISHED = ("queued", "pending", "in_doubt", "incomplete")


def _reply(outcome: Outcome[IssuancePublic], response: Response) -> IssuancePublic:
    replayed(response, outcome.replayed)
    result = outcome.result
    if result.asynchronous and result.status in UNFINISHED:
        response.status_code = status.HTTP_202_ACCEPTED
        response.headers["Location"] = f"/issuances/{result.id}"
    elif result.status == "refused":  # answered 202, then refused: the request's final state, nothing created
        response.status_code = status.HTTP_200_OK
    return result


def _respond_async(prefer: str | None) -> bool:
    return prefer is not None and "respond-async" in {p.strip().lower() for p in prefer.split(",")}


@router.post("", status_code=status.HTTP_201_CREATED, responses=KEYED)
def issue(
    body: IssuanceCreate, response: Response, service: IssuanceServiceDep, idempotency_key: IdempotencyKey,
    prefer: Prefer = None,
) -> IssuancePublic:  # fmt: skip
    """Issue shares of an asset to one investor (their first wallet) or wallet, in one transaction; with
    `Prefer: respond-async`, 202 once queued."""
    return _reply(service.issue(idempotency_key, body, respond_async=_respond_async(prefer)), response)


@router.post("/batch", status_code=status.HTTP_201_CREATED, responses=KEYED)
def issue_batch(
    body: BatchIssuanceCreate, response: Response, service: IssuanceServiceDep, idempotency_key: IdempotencyKey,
    prefer: Prefer = None,
) -> IssuancePublic:  # fmt: skip
    """Issue to many investors: chunks of `issuance_chunk_size` rows, one batchMint transaction each,
    all-or-nothing per chunk; the result reports every row. With `Prefer: respond-async`, or more than
    `issuance_async_rows` rows, 202 once validated and queued: follow it at the `Location` URL."""
    return _reply(service.issue(idempotency_key, body, respond_async=_respond_async(prefer)), response)


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
