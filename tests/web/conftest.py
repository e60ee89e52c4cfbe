"""The dashboard's tests: over HTTP with the API's fixtures (tests/api/conftest.py: the session's Anvil,
SQLite and PostgreSQL), and in a real Chromium against `rwakit serve --demo` (test_browser.py)."""

from tests.api.conftest import api, api_platform, api_settings, app, db_engine, wallets  # noqa: F401 - the API's fixtures
