"""Every error leaves the API in one JSON shape: ``{"code": ..., "message": ..., <details>}``.

Status codes, by class of rwakit error:

| error | status |
|---|---|
| InvalidInput (bad amount, address, too many decimals, idempotency key reused), request validation | 422 |
| BodyTooLarge (see rwakit.api.guard) | 413 |
| Unauthorized (no key, unknown key) | 401 |
| Forbidden (wrong role, another investor's data); AccessDenied (the platform's account lacks a contract role) | 403 |
| NotFound (unknown asset, investor, key) | 404 |
| ComplianceError (with ``reason_code`` and ``reason``), Conflict, other contract reverts | 409 |
| a contract error named in ``REVERTS`` (e.g. AssetUnknownDocument) | its own status and code |
| IndexNotReady (a block or date the index has not reached: ``block_not_indexed``, ``date_before_index``) | 409 |
| ChainUnavailable, DeploymentMissing, DatabaseUnavailable, IndexBehind (``index_behind``, ``index_empty``) | 503 |
| IndexBehind's two the operator must act on: ``index_reorg_beyond_finality``, ``index_other_deployment`` | 503 |
| other chain errors (node refused a transaction), a receipt that does not come | 502, 504 |
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import requests
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from web3 import Web3
from web3.exceptions import Web3Exception

from rwakit.api.schemas.common import ErrorPublic, reason_required
from rwakit.custody.proposals import ProposalRefused
from rwakit.db.engine import DB_ERRORS, DatabaseUnavailable
from rwakit.errors import (
    AccessDenied,
    ApprovalPending,
    ChainError,
    ChainUnavailable,
    ComplianceError,
    ConfigError,
    ContractRevert,
    DeploymentMissing,
    InvalidInput,
    NotFound,
    RwakitError,
)
from rwakit.indexer.queries import IndexBehind, IndexNotReady

log = logging.getLogger("rwakit.api")
MAX_SAFE_INT = 2**53 - 1


def idempotency_key_required() -> InvalidInput:
    return InvalidInput(
        "An Idempotency-Key header is required (e.g. a UUID); reuse it to retry safely", code="idempotency_key_required"
    )


# A required field whose absence alone has its own code, not invalid_request.
MISSING: dict[str, Callable[[], InvalidInput]] = {
    "header.Idempotency-Key": idempotency_key_required,
    "body.reason": reason_required,
}


class Unauthorized(RwakitError):
    """No API key, or one the platform does not know (or revoked)."""

    code = "unauthorized"


class Forbidden(RwakitError, PermissionError):
    """The key's role may not do this, or an investor key asked for another investor's data."""

    code = "forbidden"


class BodyTooLarge(RwakitError):
    """The request body is larger than the API takes (``api_max_body_bytes``)."""

    code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes", limit=limit)


class Conflict(RwakitError):
    """The request clashes with the platform's state (an idempotency key in use, a duplicate)."""

    code = "conflict"


# Contract errors a caller can cause, by Solidity error name: (status, code, message or None to keep the
# decoded one). The body keeps the Solidity `error` and its `args` beside the code.
REVERTS: dict[str, tuple[int, str, str | None]] = {
    "FactorySymbolTaken": (409, "symbol_taken", None),
    "FactoryInvalidSymbol": (
        422,
        "invalid_symbol",
        "A symbol is 1 to 11 characters, A-Z and 0-9, starting with a letter (e.g. HVT)",
    ),
    "RegistryInvestorExists": (409, "investor_exists", None),
    "RegistryWalletTaken": (409, "wallet_taken", None),
    "RegistryUnknownInvestor": (404, "investor_not_found", None),
    "RegistryUnknownWallet": (404, "wallet_not_found", None),
    "RegistryWalletCount": (422, "too_many_wallets", None),
    "RegistryInvalidCountry": (422, "invalid_country", None),
    "AssetPaused": (409, "pause_unchanged", None),
    "AssetInvestorLimitsDisabled": (
        409,
        "investor_limits_disabled",
        "This asset keeps no investor totals, so it cannot limit holders or balances per investor; "
        "create the asset with investor_limits: true",
    ),
    "AssetLimitBelowCurrent": (
        409,
        "limit_below_current",
        "The limit is below the current number of holders; lower it once fewer investors hold the asset",
    ),
    "AssetUnfreezeExceedsFrozen": (409, "unfreeze_exceeds_frozen", "That is more than the wallet has frozen"),
    "AssetRecoveryInvalid": (
        409,
        "recovery_invalid",
        "Recovery needs a lost wallet holding the investor's shares and a different new wallet registered to "
        "the investor named (the registrar adds the new wallet first)",
    ),
    "AssetRecoveryWalletRegistered": (
        409,
        "lost_wallet_registered",
        "The lost wallet is still registered to the investor: the registrar removes it first "
        "(DELETE /investors/{investor_id}/wallets/{wallet}), so it can hold and receive none of their shares",
    ),
    "AssetFreezeExceedsBalance": (
        409,
        "freeze_exceeds_balance",
        "That is more than the wallet's unfrozen balance (ERC-3643 freezes only shares the wallet holds)",
    ),
    "AssetForcedTransferToSelf": (
        422,
        "forced_transfer_to_self",
        "A forced transfer needs two different wallets; to lift a freeze, unfreeze",
    ),
    "ERC20InvalidSender": (422, "invalid_sender", "Shares cannot be taken from the zero address"),
    "AssetUnknownDocument": (404, "document_not_found", "The asset has no document of that name"),
    "AssetInvalidCountry": (422, "invalid_country", None),
    "AssetBatchLengthMismatch": (422, "batch_length_mismatch", None),
    "AssetInvalidAuthorised": (422, "invalid_authorised", None),
    "ERC20InvalidReceiver": (422, "invalid_receiver", "Shares cannot be sent to the zero address"),
}

ERROR_STATUSES: dict[int, str] = {
    202: "`approval_pending`: a Safe holds the role, so the operation was proposed to it (`proposal_id`, "
    "`status`, `approvals`, `threshold`, `safe_tx_hash`); it executes when enough owners approve",
    401: "No key (`unauthorized`), or one the platform does not know or has revoked (`invalid_api_key`)",
    403: "The key's role may not do this (`forbidden`), or it is another investor's data (`forbidden_investor`, "
    "`forbidden_wallet`)",
    404: "Something named does not exist, e.g. `asset_not_found`, `investor_not_found`",
    409: "The chain's rules or state refuse it, e.g. `compliance_refused` (with `reason_code` and `reason`); "
    "a read as of a block the index has not reached (`block_not_indexed`), a date before it (`date_before_index`), "
    "a `min_block` the chain has not reached (`block_not_mined`)",
    413: "`body_too_large`",
    422: "Invalid input: a field's own code (e.g. `invalid_amount`) or `invalid_request`, with `errors` naming "
    "the fields; `invalid_utf8`, `json_too_deep`",
    502: "`chain_error`: the chain's node returned an error",
    503: "`chain_unavailable`, `database_unavailable`, `deployment_missing`, `index_behind` (the index did not reach "
    "the block a read waits for in time), `index_empty`: retry later; `index_reorg_beyond_finality` (run `rwakit "
    "index --rebuild`), `index_other_deployment` (the database indexes another deployment): the operator acts",
    504: "`tx_pending`: a transaction was sent and its receipt did not come in time",
}


def error_responses(*statuses: int, described: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses in the one error shape: `statuses` as ERROR_STATUSES describes them, and those of
    `described` with their own description."""
    own = described or {}
    return {
        status: {"model": ErrorPublic, "description": own.get(status, ERROR_STATUSES.get(status, ""))}
        for status in sorted({*statuses, *own})
    }


_STATUS: list[tuple[type[BaseException], int]] = [
    (ApprovalPending, 202),  # proposed to the Safe that holds the role: accepted, not yet done
    (ProposalRefused, 409),
    (Unauthorized, 401),
    (Forbidden, 403),
    (AccessDenied, 403),
    (ComplianceError, 409),
    (ContractRevert, 409),
    (Conflict, 409),
    (IndexNotReady, 409),
    (IndexBehind, 503),
    (InvalidInput, 422),
    (BodyTooLarge, 413),
    (NotFound, 404),
    (ChainUnavailable, 503),
    (DeploymentMissing, 503),
    (DatabaseUnavailable, 503),
    (ConfigError, 500),
    (ChainError, 502),
]


def status_for(exc: RwakitError) -> int:
    if isinstance(exc, ChainError) and exc.code == "tx_pending":
        return 504
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(exc: RwakitError) -> tuple[int, dict[str, Any]]:
    body = {"code": exc.code, "message": exc.message, **_json_safe(exc.details)}
    status = status_for(exc)
    if not isinstance(exc, ContractRevert) or isinstance(exc, ComplianceError | AccessDenied):
        return status, body
    if (mapped := REVERTS.get(exc.error)) is not None:
        status, body["code"], message = mapped
        if message is not None:
            body["message"] = message
    return status, body


def _json_safe(value: Any) -> Any:
    """JSON a client can use as is: big integers (uint256) as strings, addresses checksummed."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str) and len(value) == 42 and Web3.is_address(value):
        return Web3.to_checksum_address(value)  # revert data decodes addresses in lower case
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INT else str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _response(status: int, body: dict[str, Any]) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(exc: RwakitError) -> JSONResponse:
    status, body = error_body(exc)
    if status >= 500:
        log.warning("%s: %s", body["code"], body["message"])
    return _response(status, body)


async def _rwakit_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RwakitError)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, in our shape; a field whose validator raised one of our errors lends its code."""
    assert isinstance(exc, RequestValidationError)
    errors = []
    domain: RwakitError | None = None
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, RwakitError) and domain is None:
            domain = cause
        loc = [str(part) for part in error.get("loc", ())]
        message = cause.message if isinstance(cause, RwakitError) else str(error.get("msg", ""))
        errors.append({"field": ".".join(loc), "message": message, "type": str(error.get("type", ""))})
    if domain is not None:
        body = {"code": domain.code, "message": domain.message, **_json_safe(domain.details), "errors": errors}
    elif all(e["field"] in MISSING and e["type"] == "missing" for e in errors):
        required = MISSING[errors[0]["field"]]()
        body = {"code": required.code, "message": required.message, "errors": errors}
    else:
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        body = {"code": "invalid_request", "message": f"The request is not valid: {summary}", "errors": errors}
    return _response(422, body)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
    code = codes.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: Starlette's 405 names only the first route's."""
    methods: set[str] = set()
    for route in request.app.state.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database error: %s", exc)
    first = str(getattr(exc, "orig", exc)).strip().splitlines()
    return _response(
        503, {"code": "database_unavailable", "message": f"The database does not answer: {first[0] if first else exc}"}
    )


async def _chain_connection_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("chain unreachable: %s", exc)
    if isinstance(exc, requests.exceptions.Timeout):
        message = "The chain's JSON-RPC node did not answer in time (RWAKIT_RPC_TIMEOUT); retry later"
    else:
        message = "The chain's JSON-RPC node does not answer"
    return _response(503, {"code": "chain_unavailable", "message": message})


async def _web3_error(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("node error: %s", exc)
    return _response(502, {"code": "chain_error", "message": f"The chain's node returned an error: {exc}"})


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return _response(500, {"code": "internal_error", "message": "An unexpected error occurred; see the server log"})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RwakitError, _rwakit_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for db_error in DB_ERRORS:
        app.add_exception_handler(db_error, _database_error)
    app.add_exception_handler(requests.exceptions.ConnectionError, _chain_connection_error)
    app.add_exception_handler(requests.exceptions.Timeout, _chain_connection_error)
    app.add_exception_handler(Web3Exception, _web3_error)
    app.add_exception_handler(Exception, _unexpected)
