"""One router per resource."""

from fastapi import APIRouter
from starlette.routing import BaseRoute

from rwakit.api.routes import (
    assets,
    audit,
    compliance,
    controls,
    fund_dealing,
    funds,
    investors,
    issuances,
    platform,
    proposals,
    settlement,
    transfers,
)

MODULES = (platform, assets, funds, compliance, controls, audit, investors, issuances, transfers, proposals,
           settlement, fund_dealing)  # fmt: skip
api_router = APIRouter()
for module in MODULES:
    api_router.include_router(module.router)

# Every route with its full path (an included router hides its routes from app.routes): what a 405's
# Allow header lists.
api_routes: list[BaseRoute] = [route for module in MODULES for route in module.router.routes]

__all__ = ["api_router", "api_routes"]
