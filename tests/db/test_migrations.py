"""The migrations (rwakit/db/migrations/) on an empty SQLite file and an empty PostgreSQL database:
head matches the models, every step goes up and down, a second upgrade does nothing, a database made by
create_all before migrations is adopted, and `rwakit db` drives it all.

The PostgreSQL variant runs on the server RWAKIT_TEST_POSTGRES_URL names (a database of its own per
test, dropped afterwards); without it, it is skipped with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from rwakit.api.runtime import Runtime
from rwakit.cli import app as cli
from rwakit.config import Settings, get_settings
from rwakit.db import make_engine, migrate
from rwakit.db.keys import ApiKey, create_api_key
from rwakit.db.schema import (
    MIGRATIONS,
    SchemaMismatch,
    UnknownRevision,
    alembic_config,
    current_revision,
    head,
    metadata,
    render_item,
    revision_shapes,
    scripts,
)
from rwakit.indexer.tables import Uint256
from tests.postgres import fresh_database

REPOSITORY = Path(__file__).resolve().parents[2]
VERSION_TABLE = "alembic_version"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rwakit.db'}"
        return
    with fresh_database("rwakit_migrations") as url:
        yield url


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    made = make_engine(empty_url)
    yield made
    made.dispose()


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would write to bring the database to the models: nothing when they match."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found: list[Any] = compare_metadata(context, metadata())
        return found


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema(engine: Engine) -> dict[str, Any]:
    """Every rwakit table's columns (name, type, nullability) and indexes, to compare two states."""
    inspector = inspect(engine)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
            sorted((i["name"] or "", tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)),
        )
        for name in sorted(inspector.get_table_names())
        if name != VERSION_TABLE
    }


def api_tables() -> list[Any]:
    """The tables create_all made before migrations existed (what older demo databases hold)."""
    later = ("index_", "safe_", "settlement_request", "web_", "sender_")  # 0002, 0003, 0004, 0006, 0007
    added = {"issuance": {"asynchronous"}}  # 0007
    legacy = MetaData()
    return [
        Table(table.name, legacy, *(c._copy() for c in table.columns if c.name not in added.get(table.name, ())))
        for table in metadata().sorted_tables
        if not table.name.startswith(later)
    ]


# -- head against the models --------------------------------------------------------------------


def test_head_matches_the_models(engine: Engine) -> None:
    """Fails when a model changes without a revision: `python tools/new_migration.py "what changed"`."""
    migrate(engine)
    assert current_revision(engine) == head()
    assert differences(engine) == []
    assert tables(engine) == {*metadata().tables, VERSION_TABLE}


def test_the_check_sees_a_model_changed_without_a_revision(tmp_path: Path) -> None:
    """What test_head_matches_the_models would report: a new column, a wider uint256, a dropped index."""
    engine = make_engine(f"sqlite:///{tmp_path / 'rwakit.db'}")
    migrate(engine)
    changed = MetaData()
    for table in metadata().sorted_tables:
        table.to_metadata(changed)
    changed.tables["api_key"].append_column(Column("note", String(20)))
    changed.tables["index_balance"].c.amount.type = String(80)
    tx_log = changed.tables["tx_log"]
    tx_log.indexes.remove(next(index for index in tx_log.indexes if index.name == "ix_tx_log_sender"))
    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), changed)
    kinds = {diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in found}
    assert kinds == {"add_column", "modify_type", "remove_index"}, found


def test_new_migration_writes_nothing_when_the_models_match_head() -> None:
    versions = sorted(path.name for path in MIGRATIONS.joinpath("versions").iterdir())
    done = subprocess.run([sys.executable, "tools/new_migration.py", "nothing changed"], cwd=REPOSITORY,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "no revision to write" in done.stderr, done.stderr
    assert sorted(path.name for path in MIGRATIONS.joinpath("versions").iterdir()) == versions
    usage = subprocess.run([sys.executable, "tools/new_migration.py", "!!!"], cwd=REPOSITORY,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_the_revisions_form_one_line() -> None:
    """Two branches that each added a revision merge into two heads: renumber the later one."""
    assert len(scripts().get_heads()) == 1, f"several heads {scripts().get_heads()}: chain the newest revisions"
    assert [revision for revision, _ in revision_shapes()][-1] == head()


def test_each_revision_goes_up_and_back_down(engine: Engine) -> None:
    """Each downgrade undoes exactly its upgrade: the schema after step n-1 comes back."""
    steps = [revision for revision, _ in revision_shapes()]
    seen = [schema(engine)]  # seen[n]: after n steps
    for revision in steps:
        migrate(engine, revision)
        assert current_revision(engine) == revision
        seen.append(schema(engine))
    for n in range(len(steps), 0, -1):
        target = steps[n - 2] if n >= 2 else None
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), target or "base")
        assert current_revision(engine) == target
        assert schema(engine) == seen[n - 1]


def test_downgrade_to_base_leaves_no_tables(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert tables(engine) <= {VERSION_TABLE}
    assert current_revision(engine) is None


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    with Session(engine) as session:
        create_api_key(session, role="admin", name="kept")
    before = schema(engine)
    migrate(engine)
    migrate(engine, head())
    assert schema(engine) == before
    with Session(engine) as session:
        assert [key.name for key in session.exec(select(ApiKey))] == ["kept"]


def test_upgrades_at_once_wait_for_each_other(empty_url: str) -> None:
    """Two processes starting on one empty database: one migrates, the other waits and finds it done
    (PostgreSQL: advisory lock; SQLite: the write lock taken first)."""
    engines = [make_engine(empty_url) for _ in range(3)]
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            migrate(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert current_revision(engines[0]) == head() and differences(engines[0]) == []
    finally:
        for engine in engines:
            engine.dispose()


# -- databases made before migrations -----------------------------------------------------------


def test_a_create_all_database_of_the_api_is_stamped_then_upgraded(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine, tables=api_tables())
    with Session(engine) as session:
        create_api_key(session, role="admin", name="from the demo")
    migrate(engine)
    assert current_revision(engine) == head()
    assert differences(engine) == []
    with Session(engine) as session:
        assert [key.name for key in session.exec(select(ApiKey))] == ["from the demo"]


def test_a_create_all_database_of_every_table_is_stamped_at_head(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
    migrate(engine)
    assert current_revision(engine) == head()
    assert differences(engine) == []


def test_a_create_all_database_that_matches_no_revision_is_refused(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine, tables=api_tables())
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE api_key ADD COLUMN added_by_hand INTEGER"))
    with pytest.raises(SchemaMismatch, match=r"nearest is 0001_api_tables.*: extra column api_key\.added_by_hand\."):
        migrate(engine)
    assert VERSION_TABLE not in tables(engine)  # nothing stamped: fix the tables, then upgrade


def test_a_create_all_database_missing_a_table_is_refused_with_what_is_missing(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine, tables=[table for table in api_tables() if table.name != "tx_log"])
    with pytest.raises(SchemaMismatch, match=r"nearest is 0001_api_tables.*: no table tx_log\."):
        migrate(engine)
    assert VERSION_TABLE not in tables(engine)


def test_other_tables_in_the_database_are_left_alone(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))
    migrate(engine)
    assert current_revision(engine) == head()
    assert "someone_elses" in tables(engine)


# -- refusals -----------------------------------------------------------------------------------


def test_a_database_newer_than_this_rwakit_is_refused(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999_from_the_future'"))
    with pytest.raises(SchemaMismatch, match=r"9999_from_the_future.*upgrade rwakit"):
        migrate(engine)


@pytest.mark.parametrize("revision", ["nope", "0001_api_tables;DROP TABLE api_key", ""])
def test_an_unknown_revision_is_refused(tmp_path: Path, revision: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rwakit.db'}")
    with pytest.raises(UnknownRevision):
        migrate(engine, revision)
    assert current_revision(engine) is None


def test_an_upgrade_to_an_older_revision_never_goes_down(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'rwakit.db'}")
    migrate(engine)
    migrate(engine, revision_shapes()[0][0])
    assert current_revision(engine) == head() and differences(engine) == []


def test_custom_types_render_as_the_plain_type_they_store() -> None:
    """Revisions import nothing from the models: Uint256 is a VARCHAR(78), AutoString a VARCHAR."""
    from sqlmodel.sql.sqltypes import AutoString

    assert render_item("type", Uint256(), None) == "sa.String(length=78)"  # type: ignore[arg-type]
    assert render_item("type", AutoString(length=42), None) == "sa.String(length=42)"  # type: ignore[arg-type]
    assert render_item("column", Uint256(), None) is False  # type: ignore[arg-type]


# -- the API at startup -------------------------------------------------------------------------


def test_the_api_upgrades_at_startup(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    legacy = make_engine(settings.db_url)
    SQLModel.metadata.create_all(legacy, tables=api_tables())
    legacy.dispose()
    runtime = Runtime(settings)
    runtime.startup()
    assert current_revision(runtime.engine) == head()
    runtime.close()


def test_the_api_does_not_start_on_tables_it_does_not_know(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    legacy = make_engine(settings.db_url)
    SQLModel.metadata.create_all(legacy, tables=api_tables())
    with legacy.begin() as connection:
        connection.execute(text("ALTER TABLE tx_log ADD COLUMN added_by_hand INTEGER"))
    legacy.dispose()
    runtime = Runtime(settings)
    with pytest.raises(SchemaMismatch):
        runtime.startup()
    runtime.close()


# -- rwakit db ----------------------------------------------------------------------------------


@pytest.fixture
def rwakit_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Run `rwakit db ...` in-process on the database `url` (settings are read afresh each time)."""
    monkeypatch.chdir(tmp_path)  # away from the repository's .env
    for variable in [name for name in os.environ if name.startswith("RWAKIT_")]:
        monkeypatch.delenv(variable)

    def run(url: str, *args: str) -> Any:
        monkeypatch.setenv("RWAKIT_DATABASE_URL", url)
        get_settings.cache_clear()
        return CliRunner().invoke(cli, ["db", *args])

    yield run
    get_settings.cache_clear()


def test_rwakit_db_upgrade_and_current(empty_url: str, rwakit_db: Any) -> None:
    empty = rwakit_db(empty_url, "current")
    assert empty.exit_code == 0 and empty.stdout.startswith("none:"), empty.output
    first = revision_shapes()[0][0]
    partial = rwakit_db(empty_url, "upgrade", "--revision", first)
    assert partial.exit_code == 0 and partial.stdout.strip().endswith(f"empty -> {first}"), partial.output
    behind = rwakit_db(empty_url, "current")
    assert behind.stdout.strip() == f"{first} (head is {head()}: run `rwakit db upgrade`)"
    done = rwakit_db(empty_url, "upgrade")
    assert done.exit_code == 0 and done.stdout.strip().endswith(f"{first} -> {head()}"), done.output
    again = rwakit_db(empty_url, "upgrade")
    assert again.exit_code == 0 and again.stdout.strip().endswith(f"already at {head()}"), again.output
    assert rwakit_db(empty_url, "current").stdout.strip() == f"{head()} (head)"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("postgresql://postgres@127.0.0.1:1/nowhere", "database_unavailable"),
        ("sqlite:////proc/no/such/folder/rwakit.db", "database_unavailable"),
        ("not a url", "config_error"),
        ("nosuchdialect://host/db", "config_error"),
    ],
)
@pytest.mark.parametrize("command_", ["upgrade", "current"])
def test_rwakit_db_on_a_bad_url_says_so(rwakit_db: Any, url: str, code: str, command_: str) -> None:
    result = rwakit_db(url, command_)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error [{code}]: "), result.output
    assert "Traceback" not in result.output


def test_rwakit_db_upgrade_to_an_unknown_revision(tmp_path: Path, rwakit_db: Any) -> None:
    result = rwakit_db(f"sqlite:///{tmp_path / 'rwakit.db'}", "upgrade", "--revision", "nope")
    assert result.exit_code == 1 and result.stderr.startswith("error [unknown_revision]: "), result.output


def test_every_revision_id_fits_the_version_column() -> None:
    """Alembic's alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer id at upgrade."""
    assert all(len(revision) <= 32 for revision, _ in revision_shapes())
