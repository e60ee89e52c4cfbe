"""The application factory: ``create_app(settings)`` builds a FastAPI app; nothing happens at import.

from rwakit.api import create_app
app = create_app(Settings())                 # platform from the deployment record, DB from settings
app = create_app(settings, platform=p)       # tests and `rwakit serve --demo`: a platform in hand
app_from_environment()                       # a worker of `rwakit serve --workers N` (uvicorn's factory)
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rwakit import __version__
from rwakit.api.errors import error_responses, install_error_handlers
from rwakit.api.guard import BodyGuard
from rwakit.api.reads import WrittenBlocks
from rwakit.api.routes import api_router, api_routes
from rwakit.api.runtime import Runtime
from rwakit.config import Settings
from rwakit.platform import Platform
from rwakit.web import install as install_web

log = logging.getLogger("rwakit.api")

DESCRIPTION = """
Issuers create assets, register investors and issue shares; investors read their holdings and
transfer from custodial wallets. Send an API key as `Authorization: Bearer <key>` (or `X-API-Key`).
Amounts are exact decimal strings. Every error is `{"code": ..., "message": ...}` plus details.
"""


def create_app(settings: Settings, *, platform: Platform | None = None, engine: Engine | None = None) -> FastAPI:
    runtime = Runtime(settings, engine=engine, platform=platform)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.startup()
        _reconcile_interrupted(runtime)
        yield
        runtime.shutdown()

    app = FastAPI(
        title="rwakit",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=error_responses(413, 422, 503),  # any request: the body guard, validation, the database
    )
    app.state.runtime = runtime
    app.add_middleware(BodyGuard, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(WrittenBlocks)
    install_error_handlers(app)
    app.include_router(api_router)
    install_web(app)  # the dashboard under /web (docs/web.md)
    app.state.routes = [*app.router.routes, *api_routes]
    return app


def app_from_environment() -> FastAPI:
    """One worker's app of `rwakit serve --workers N`: settings from the RWAKIT_* variables the parent set;
    what it loaded kept out of the collector's way, as `rwakit serve` does (rwakit.api.server)."""
    app = create_app(Settings())
    gc.collect()
    gc.freeze()
    return app


def _reconcile_interrupted(runtime: Runtime) -> None:
    """Settle keyed requests (issuances, value-moving controls, money-leg requests) a previous process left pending (it
    crashed mid-request) or in doubt, from the tx log."""
    from rwakit.api.services import controls, issuances, settlement

    for noun, reconcile_stale in (
        ("issuances", issuances.reconcile_stale),
        ("controls", controls.reconcile_stale),
        ("settlement requests", settlement.reconcile_stale),
    ):
        try:
            with Session(runtime.engine, expire_on_commit=False) as session:
                settled = reconcile_stale(session, runtime.platform, runtime.settings.issuance_lease_seconds)
        except Exception as exc:
            log.warning("interrupted %s not reconciled at startup: %s", noun, exc)
            continue
        if settled:
            log.info("reconciled %d interrupted %s", settled, noun)
