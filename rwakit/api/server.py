"""`rwakit serve`: run the API with uvicorn, over an existing deployment or a fresh demo.

``--demo`` starts Anvil, deploys, seeds the demo (rwakit.demo), records the off-chain side
(asset descriptions, investor profiles, custodial wallets), creates one API key per role and
prints them; Ctrl-C stops the server and the node. The demo keeps its own data dir
(``<data dir>/demo``) and database, so it never touches a real deployment's records.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from rwakit.config import Settings
from rwakit.db import SqlJournal, make_engine, migrate
from rwakit.db.audit import SqlAuditLog
from rwakit.db.keys import ApiKey, Role, create_api_key
from rwakit.db.records import AssetRecord, CustodialWallet, InvestorProfile
from rwakit.errors import ConfigError, RwakitError
from rwakit.platform import Platform

Say = Callable[[str], None]

DEMO_ASSETS = {
    "HVT": ("A 42-storey grade-A office tower on Victoria Harbour; shares carry a pro-rata claim on rent.", "HK"),
    "PRIF": ("An income fund of logistics warehouses in the Pearl River Delta; units pay quarterly.", "HK"),
}


@dataclass
class Serving:
    """What `serve` prepared: the URL it will listen on and the keys it created (shown once)."""

    url: str
    keys: dict[str, str] = field(default_factory=dict)
    data_dir: Path | None = None


def serve(settings: Settings, *, demo: bool, host: str | None = None, port: int | None = None,
          kind: str = "anvil", workers: int = 1, say: Say = print) -> None:  # fmt: skip
    """Prepare, print the URLs and keys, and serve until Ctrl-C; stop whatever was started."""
    import uvicorn
    from sqlalchemy.engine import make_url

    from rwakit.api.app import create_app
    from rwakit.chain.node import port_is_free

    host, port = host or settings.api_host, port or settings.api_port
    if workers > 1 and make_url(settings.db_url).get_backend_name() != "postgresql":
        raise ConfigError(
            f"{workers} workers need a database several processes share: set RWAKIT_DATABASE_URL to a PostgreSQL "
            "URL (SQLite serves one process)",
            code="workers_need_postgresql",
        )
    if not port_is_free(port):
        raise RwakitError(f"Port {port} is in use: pass --port or set RWAKIT_API_PORT", code="port_in_use")
    with _stop_on_sigterm(), _demo_chain(settings, kind, say) if demo else _no_chain() as started:
        serving = Serving(url=f"http://{host}:{port}")
        if started is not None:
            settings, engine, platform = started
            serving.keys = seed_demo(engine, platform)
            serving.data_dir = settings.data_dir
        else:
            engine, platform = make_engine(settings.db_url), None
            migrate(engine)
            serving.keys = bootstrap_admin(engine)
        app = create_app(settings, platform=platform, engine=engine) if workers == 1 else None
        _announce(serving, settings, say)
        if app is None:
            serve_workers(settings, host=host, port=port, workers=workers)
            return
        # Everything loaded so far (web3, ABIs, schemas: ~200k objects) lives as long as the process:
        # out of the collector's way, a 10,000-holder cap table is built in about half the time.
        gc.collect()
        gc.freeze()
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info")).run()


def serve_workers(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """`workers` uvicorn processes on one socket, each building its own app from the environment
    (rwakit.api.app.app_from_environment): the data dir, database and node this process prepared (with
    --demo: the demo's) go to them as RWAKIT_* variables. Their senders share the key's nonces through
    the database (rwakit.db.send_gate)."""
    import uvicorn

    os.environ["RWAKIT_DATA_DIR"] = str(settings.data_dir)
    os.environ["RWAKIT_DATABASE_URL"] = settings.db_url
    if settings.rpc_url:
        os.environ["RWAKIT_RPC_URL"] = settings.rpc_url
    uvicorn.run("rwakit.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="info")  # fmt: skip


@contextmanager
def _no_chain() -> Iterator[None]:
    yield None


@contextmanager
def _demo_chain(settings: Settings, kind: str, say: Say) -> Iterator[tuple[Settings, Engine, Platform]]:
    """A fresh node, the platform deployed and the demo seeded; the node stops when the block ends."""
    from rwakit.chain.connection import connect_url, dev_signers
    from rwakit.chain.node import start_node
    from rwakit.demo import run_demo
    from rwakit.platform import node_record_path

    data_dir = settings.data_dir / "demo"
    db_file = data_dir / "rwakit.db"
    if settings.database_url is None:
        for stale in (db_file, db_file.with_name("rwakit.db-wal"), db_file.with_name("rwakit.db-shm")):
            stale.unlink(missing_ok=True)  # a new chain: the old demo's records describe nothing
    node = start_node(kind)  # type: ignore[arg-type]
    record = node_record_path(settings.model_copy(update={"data_dir": data_dir}))
    try:
        say(f"Started {kind} (pid {node.pid}) on {node.url}")
        demo_settings = settings.model_copy(update={"data_dir": data_dir, "rpc_url": node.url})
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"kind": kind, "url": node.url, "pid": node.pid}) + "\n")
        engine = make_engine(demo_settings.database_url or f"sqlite:///{db_file.as_posix()}")
        migrate(engine)
        chain = connect_url(node.url, dev_signers(settings), timeout=settings.rpc_timeout)
        platform = Platform.deploy(chain, journal=SqlJournal(engine), audit=SqlAuditLog(engine))
        platform.deployment.save(demo_settings.deployment_file)
        run_demo(platform, say)
        yield demo_settings, engine, platform
    finally:
        node.stop()
        record.unlink(missing_ok=True)
        say(f"{kind} (pid {node.pid}) stopped")


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM during set-up unwinds like Ctrl-C, so the node is stopped (uvicorn handles it later)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def seed_demo(engine: Engine, platform: Platform) -> dict[str, str]:
    """The demo's off-chain records, and one fresh API key per role (printed, never stored in clear)."""
    from rwakit.demo import INVESTORS

    signers = platform.chain.signers
    with Session(engine) as session:
        for asset in platform.assets.list():
            description, jurisdiction = DEMO_ASSETS.get(asset.symbol, ("", ""))
            session.add(AssetRecord(symbol=asset.symbol, address=asset.address, description=description,
                                    jurisdiction=jurisdiction, document_uri=asset.document_uri,
                                    document_hash=asset.document_hash))  # fmt: skip
        for investor_id, wallet_indexes, _country, _class in INVESTORS:
            session.add(InvestorProfile(investor_id=investor_id, kyc_reference=f"KYC-{investor_id}",
                                        kyc_provider="Demo KYC Ltd"))  # fmt: skip
            for index in wallet_indexes:
                address = signers[index].address
                session.add(CustodialWallet(address=address, key_ref=f"dev:{address}", label=f"{investor_id} demo"))
        session.commit()
        first_investor = INVESTORS[0][0]
        keys = {role.value: create_api_key(session, role=role, name=f"demo {role.value}")[1]
                for role in (Role.ADMIN, Role.ISSUER, Role.REGISTRAR, Role.COMPLIANCE)}  # fmt: skip
        keys[f"investor {first_investor}"] = create_api_key(
            session, role=Role.INVESTOR, investor_id=first_investor, name=f"demo investor {first_investor}"
        )[1]
    return keys


def bootstrap_admin(engine: Engine) -> dict[str, str]:
    """A first admin key for a database that has none (shown once); nothing if one exists."""
    with Session(engine) as session:
        active = select(ApiKey).where(ApiKey.role == Role.ADMIN.value, ApiKey.revoked_at == None)  # noqa: E711
        if session.exec(active).first() is not None:
            return {}
        return {"admin": create_api_key(session, role=Role.ADMIN, name="first admin")[1]}


def _announce(serving: Serving, settings: Settings, say: Say) -> None:
    say("")
    say(f"rwakit API on {serving.url}   docs: {serving.url}/docs   health: {serving.url}/health")
    say(f"Dashboard on {serving.url}/web/   investors sign in with their wallet, staff with an API key")
    if serving.keys:
        say("API keys (shown once; send as `Authorization: Bearer <key>`):")
        for role, key in serving.keys.items():
            say(f"  {role:<20} {key}")
    else:
        say("API keys: use the ones you created (`rwakit api-key create --role admin` makes another)")
    if serving.data_dir is not None:
        say(f"Demo records in {serving.data_dir}; the CLI works on this chain with RWAKIT_DATA_DIR={serving.data_dir}")
    say(f'Try: curl -s -H "Authorization: Bearer <key>" {serving.url}/assets')
    say("Ctrl-C stops the server" + (" and the chain." if serving.data_dir is not None else "."))
