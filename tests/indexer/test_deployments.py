"""Two deployments on one chain cannot share one database: the index's rows and its lock are the chain's.
The first batch records the deployment's registry; another deployment's indexer, `rwakit index` and the
API's reads refuse the database at once (index_other_deployment) instead of mixing rows or waiting for
the lock forever; its own database, or a rebuild, serves it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from rwakit.api.reads import ReadModel
from rwakit.chain.node import LocalNode
from rwakit.cli import app
from rwakit.config import Settings, get_settings
from rwakit.db import make_engine, migrate
from rwakit.indexer import queries, store
from rwakit.indexer.follower import Indexer, OtherDeployment
from rwakit.platform import Platform
from tests.indexer.conftest import FAST, create_asset


@pytest.fixture
def other(platform: Platform) -> Platform:
    """A second deployment of the platform on the same chain."""
    deployed = Platform.deploy(platform.chain)
    platform.txm.reset_nonce()
    return deployed


def test_another_deployment_is_refused_at_once(
    platform: Platform, other: Platform, engine: Engine, anvil: LocalNode, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    first = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    first.catch_up()  # it keeps the lock
    assert first.check_deployment() is True
    second = Indexer(other.chain.w3, engine, other.deployment, FAST)
    started = time.monotonic()
    for attempt in (second.catch_up, second.reach_head, lambda: second.acquire(timeout=None)):
        with pytest.raises(OtherDeployment) as refused:
            attempt()
        assert refused.value.code == "index_other_deployment"
    assert time.monotonic() - started < 5  # no wait for the lock the first holds
    assert platform.deployment.registry.lower() in refused.value.message.lower()
    assert "RWAKIT_DATABASE_URL" in refused.value.message and "--rebuild" in refused.value.message

    settings = Settings(_env_file=None, data_dir=tmp_path, api_indexer=False)
    with pytest.raises(OtherDeployment):  # the API's reads: 503 index_other_deployment
        ReadModel(engine, settings).ready(other, None)
    ReadModel(engine, settings).ready(platform, None)  # its own deployment reads on

    data = tmp_path / "data"
    other.deployment.save(data / "deployment.json")
    url = engine.url.render_as_string(hide_password=False)
    for name, value in {"DATA_DIR": str(data), "RPC_URL": anvil.url, "DATABASE_URL": url}.items():
        monkeypatch.setenv(f"RWAKIT_{name}", value)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index", "--no-progress"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1 and "index_other_deployment" in result.output, result.output
    first.close()


def test_each_deployment_in_its_own_database_or_after_a_rebuild(
    platform: Platform, other: Platform, engine: Engine, tmp_path: Path
) -> None:
    first = Indexer(platform.chain.w3, engine, platform.deployment, FAST)
    first.catch_up()
    first.close()
    asset = create_asset(other, "OTH")
    own = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(own)
    separate = Indexer(other.chain.w3, own, other.deployment, FAST)
    assert separate.check_deployment() is False  # nothing recorded yet
    separate.catch_up()
    assert separate.check_deployment() is True
    separate.close()
    own.dispose()

    shared = Indexer(other.chain.w3, engine, other.deployment, FAST)
    assert shared.lock.try_acquire()
    store.drop(engine, shared.chain_id)  # what `rwakit index --rebuild` does: the database now serves `other`
    shared.catch_up()
    assert shared.check_deployment() is True
    with pytest.raises(OtherDeployment):
        Indexer(platform.chain.w3, engine, platform.deployment, FAST).check_deployment()
    with engine.connect() as connection:
        assert [a.address for a in queries.assets(connection, shared.chain_id)] == [asset]
    shared.close()
