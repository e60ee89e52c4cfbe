"""The issuer and investor HTTP API (FastAPI): ``create_app(settings)``; `rwakit serve` runs it."""

from rwakit.api.app import create_app

__all__ = ["create_app"]
