"""Health, the caller's own key, API keys (admin) and the transaction log (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import JSONResponse

from rwakit.api.deps import AdminDep, PlatformDep, PrincipalDep, RuntimeDep, SessionDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.platform import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, HealthPublic, TxLogPublic
from rwakit.api.services import health as health_service
from rwakit.api.services import keys as keys_service
from rwakit.db import journal
from rwakit.db.keys import get_api_key, list_api_keys, revoke_api_key

router = APIRouter()
KeyPrefix = Annotated[str, Path(description="The key's prefix", json_schema_extra={"pattern": "^[0-9a-f]{8}$"})]


@router.get("/health", tags=["platform"], responses={503: {"model": HealthPublic}})
def health(runtime: RuntimeDep) -> JSONResponse:
    """Chain reachable, contracts deployed, database reachable: 200 if all are, else 503. No key needed."""
    report = health_service.check(runtime)
    code = status.HTTP_200_OK if report.status == "ok" else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse(report.model_dump(mode="json"), status_code=code)


@router.get("/me", tags=["api keys"], responses=error_responses(401))
def me(principal: PrincipalDep, session: SessionDep) -> ApiKeyPublic:
    """The calling key: its role and, for an investor key, its investor."""
    row = get_api_key(session, prefix=principal.prefix)
    assert row is not None  # the key was just authenticated
    return keys_service.key_public(row)


@router.post(
    "/api-keys", tags=["api keys"], status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 502)
)
def create_api_key(body: ApiKeyCreate, session: SessionDep, platform: PlatformDep, _: AdminDep) -> ApiKeyCreated:
    """A new key for a role (an investor key names its investor). The key is in this response only."""
    return keys_service.create(session=session, platform=platform, data=body)


@router.get("/api-keys", tags=["api keys"], responses=error_responses(401, 403))
def list_keys(session: SessionDep, _: AdminDep) -> list[ApiKeyPublic]:
    return [keys_service.key_public(row) for row in list_api_keys(session)]


@router.delete("/api-keys/{prefix}", tags=["api keys"], responses=error_responses(401, 403, 404))
def revoke_key(prefix: KeyPrefix, session: SessionDep, _: AdminDep) -> ApiKeyPublic:
    return keys_service.key_public(revoke_api_key(session, prefix=prefix))


@router.get("/transactions", tags=["platform"], responses=error_responses(401, 403))
def transactions(
    session: SessionDep,
    _: AdminDep,
    ref: Annotated[str | None, Query(description="Only references starting with this, e.g. issuance:7")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[TxLogPublic]:
    """The transaction log: every transaction the platform signed, newest first."""
    rows = journal.recent(session, limit=limit, ref_prefix=ref)
    return [TxLogPublic(**row.model_dump(exclude={"data"})) for row in rows]
