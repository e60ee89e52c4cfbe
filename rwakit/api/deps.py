"""Dependencies the routes declare: the database session, the platform, the caller and their role.

@router.post("/assets")
def create_asset(body: AssetCreate, session: SessionDep, platform: PlatformDep, _: IssuerDep) -> ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Path, Query, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.responses import JSONResponse, Response

from rwakit.api.answers import Answers
from rwakit.api.errors import Forbidden, Unauthorized, error_responses
from rwakit.api.runtime import Runtime
from rwakit.api.services.custody import Custody
from rwakit.api.services.idempotency import Outcome
from rwakit.config import Settings
from rwakit.db.keys import ApiKey, Role, authenticate
from rwakit.errors import InvalidInput
from rwakit.platform import Platform

_bearer = HTTPBearer(auto_error=False, description="An rwakit API key: `Authorization: Bearer rwk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key in an X-API-Key header")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

MAX_ROW_ID = 2**31 - 1  # PostgreSQL's integer: a larger id or offset is 422, never a database error
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="Rows to skip")]
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    runtime.ensure_tables()
    with Session(runtime.engine, expire_on_commit=False) as session:
        yield session


def get_platform(runtime: RuntimeDep) -> Platform:
    return runtime.platform


def get_custody(runtime: RuntimeDep) -> Custody:
    return runtime.custody


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SessionDep = Annotated[Session, Depends(get_session)]


# -- reads from the index ---------------------------------------------------------------------

MAX_BLOCK = 2**63 - 1  # a BIGINT: a larger block is 422, never a database error
MinBlock = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_BLOCK,
        description="Wait (a few seconds at most, then 503 `index_behind`) until the index has reached this block, "
        "e.g. the `block_number` a write answered with. Without it a read waits for this API's own last write.",
    ),
]
Block = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_BLOCK,
        description="Answer as of this block (at most the index's head, else 409 `block_not_indexed`)",
    ),
]
At = Annotated[
    str | None,
    Query(
        max_length=10,
        description="Answer as of the end of this UTC day (YYYY-MM-DD): the last indexed block at or before it",
        examples=["2026-12-31"],
        json_schema_extra={"format": "date"},  # checked by _date, which lends its code
    ),
]


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # RFC 3339 full-date (fromisoformat also takes week dates)


@dataclass(frozen=True)
class IndexRead:
    """What a read from the index needs: the database, the chain, and the block or date asked for."""

    engine: Engine
    chain_id: int
    answers: Answers
    block: int | None = None
    at: date | None = None


def _date(text: str) -> date:
    try:
        if _FULL_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        pass
    raise InvalidInput(f"{text[:20]!r} is not a date: send YYYY-MM-DD, e.g. 2026-12-31", code="invalid_date")


def fresh_read(runtime: RuntimeDep, min_block: MinBlock = None) -> IndexRead:
    """Wait for the index (min_block, this API's last write), then read as of its head."""
    platform = runtime.platform
    runtime.reads.ready(platform, min_block)
    return IndexRead(runtime.engine, platform.deployment.chain_id, runtime.reads.answers)


def as_of_read(runtime: RuntimeDep, block: Block = None, at: At = None, min_block: MinBlock = None) -> IndexRead:
    """A read now, as of a block, or as of a date (not both)."""
    day = None if at is None else _date(at)
    if block is not None and day is not None:
        raise InvalidInput("Give a block or a date (at), not both", code="block_and_date")
    read = fresh_read(runtime, min_block)
    return IndexRead(read.engine, read.chain_id, read.answers, block, day)


FreshRead = Annotated[IndexRead, Depends(fresh_read)]
AsOfRead = Annotated[IndexRead, Depends(as_of_read)]
PlatformDep = Annotated[Platform, Depends(get_platform)]
CustodyDep = Annotated[Custody, Depends(get_custody)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key's role, and for an investor key the investor it is bound to."""

    prefix: str
    role: Role
    investor_id: str | None = None
    name: str = ""

    @classmethod
    def of(cls, key: ApiKey) -> Principal:
        return cls(prefix=key.prefix, role=Role(key.role), investor_id=key.investor_id, name=key.name)

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.INVESTOR

    @property
    def actor(self) -> str:
        """How the audit trail names this caller: ``api-key:<prefix> (<role>) <name>``."""
        label = f"api-key:{self.prefix} ({self.role.value})"
        return f"{label} {self.name}" if self.name and self.name != self.role.value else label

    def ensure_investor(self, investor_id: str) -> None:
        """Staff see every investor; an investor key sees only its own investor."""
        if self.role is Role.INVESTOR and self.investor_id != investor_id:
            raise Forbidden(
                f"This key belongs to investor {self.investor_id}; it cannot see {investor_id}'s data",
                code="forbidden_investor",
            )


def get_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_header)],
) -> Principal:
    presented = bearer.credentials if bearer is not None else header_key
    if not presented:
        raise Unauthorized("An API key is required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`")
    key = authenticate(session, presented)
    if key is None:
        raise Unauthorized("The API key is unknown or revoked", code="invalid_api_key")
    return Principal.of(key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting the named roles (and admin, always)."""
    allowed = {Role.ADMIN, *roles}

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(
                f"This {principal.role.value} key may not do this; it needs one of: {names}", role=principal.role.value
            )
        return principal

    return check


AdminDep = Annotated[Principal, Depends(require(Role.ADMIN))]
IssuerDep = Annotated[Principal, Depends(require(Role.ISSUER))]
RegistrarDep = Annotated[Principal, Depends(require(Role.REGISTRAR))]
ComplianceDep = Annotated[Principal, Depends(require(Role.COMPLIANCE))]
StaffDep = Annotated[Principal, Depends(require(Role.ISSUER, Role.REGISTRAR, Role.COMPLIANCE))]
HolderDep = Annotated[Principal, Depends(require(Role.INVESTOR))]  # an investor for itself, or admin


# -- idempotency keys (issuances; forced transfers, recoveries, redemptions) -------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IdempotencyKey = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_HEADER,
        description="Required (422 idempotency_key_required): 1-255 printable characters, e.g. a UUID, one per "
        "operation. A retry with the same key and request returns the first answer with "
        "`Idempotent-Replayed: true` and acts no second time; the same key with another request is 422 "
        "idempotency_key_reused.",
        examples=["7d1c6a0e-5b7e-4c1e-9f0a-2f7c3c1d9b10"],
        json_schema_extra={"pattern": "^[ -~]*[!-~][ -~]*$", "maxLength": 255},  # checked by check_key: its codes
    ),
]


def idempotent_responses(noun: str, *, success: int = 200, more: str = "") -> dict[int | str, dict[str, Any]]:
    """OpenAPI notes for a route that takes an idempotency key: the replay header and the key's errors."""
    return {
        success: {
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this is the stored answer of an earlier request with the same key",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        },
        **error_responses(
            described={
                409: "`idempotency_key_in_progress`: a request with this key is still running; "
                f"`{noun}_in_doubt`: its transaction was broadcast and its outcome is not known yet (with "
                f"`{noun}_id` and `tx_hashes`; retry later, nothing is sent again){more}",
                422: "`idempotency_key_required`, `invalid_idempotency_key`, `idempotency_key_reused` "
                "(the key was used for another request), or invalid input",
            }
        ),
    }


R = TypeVar("R", bound=Response)


def replayed(response: R, replay: bool) -> R:
    """Mark a stored answer given again to a retried request."""
    if replay:
        response.headers[REPLAYED_HEADER] = "true"
    return response


def stored_reply(outcome: Outcome[dict[str, Any]]) -> JSONResponse:
    """A keyed request's answer as stored ({"status_code": ..., "body": ...}), marked when replayed."""
    return replayed(JSONResponse(outcome.result["body"], status_code=outcome.result["status_code"]), outcome.replayed)
