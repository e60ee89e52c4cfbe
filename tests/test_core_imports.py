"""The core (rwakit.platform and all below it) imports without the `api` extra: no SQLModel,
SQLAlchemy, FastAPI or uvicorn, and nothing of rwakit.api or rwakit.db."""

from __future__ import annotations

import subprocess
import sys

BLOCKED = ("sqlmodel", "sqlalchemy", "fastapi", "uvicorn", "psycopg2", "rwakit.api", "rwakit.db")
PROBE = f"""
import importlib.abc, sys

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in {BLOCKED!r}):
            raise ImportError(f"{{name}} is blocked: the core must not need it")
        return None

sys.meta_path.insert(0, Blocker())
import rwakit.platform, rwakit.demo, rwakit.tokenize.audit, rwakit.tokenize.controls, rwakit.tokenize.compliance
"""


def test_the_core_imports_without_the_api_extra() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_sql_side_imports_on_its_own() -> None:
    """rwakit.db has no import cycle: each module imports first, in a fresh interpreter."""
    for module in ("rwakit.db.keys", "rwakit.db.idempotency", "rwakit.db.audit", "rwakit.db.engine", "rwakit.db"):
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{module}: {done.stderr}"
