"""The dashboard's tests: over HTTP with the API's fixtures (tests/api/conftest.py: the session's Anvil,
SQLite and PostgreSQL), and in a real Chromium against `rwakit serve --demo` (test_browser.py)."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import api, api_platform, api_settings, app, db_engine, wallets  # noqa: F401 - the API's fixtures


@pytest.fixture(autouse=True)
def fresh_sign_in_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    """The app lives for the session and every TestClient request comes from one address: each test starts
    with no sign-in attempts counted (test_rate_limits.py counts its own)."""
    if "app" in request.fixturenames:
        application: Any = request.getfixturevalue("app")
        application.state.web_sign_in_limiter.reset()
    yield
