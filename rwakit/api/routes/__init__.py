"""One router per resource."""

from fastapi import APIRouter

from rwakit.api.routes import assets, audit, compliance, controls, investors, issuances, platform, transfers

api_router = APIRouter()
for module in (platform, assets, compliance, controls, audit, investors, issuances, transfers):
    api_router.include_router(module.router)

__all__ = ["api_router"]
