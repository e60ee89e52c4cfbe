"""A new, empty PostgreSQL database for a test's PostgreSQL variant, on the server that
RWAKIT_TEST_POSTGRES_URL names (`make test` and CI set it; it is never guessed). The variant is
skipped, with the reason, when the variable is unset or the server does not answer."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL_VARIABLE = "RWAKIT_TEST_POSTGRES_URL"


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """The URL of a database made for the caller (``<prefix>_<pid>_<hex>``), dropped afterwards."""
    import psycopg2

    url = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: postgres variant skipped")
    try:
        admin = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"), connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {url} unreachable, postgres variant skipped: {str(exc).strip().splitlines()[0]}")
    admin.autocommit = True
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
