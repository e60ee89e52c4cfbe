"""`rwakit chain` (a local node) and `rwakit deploy` (the platform's contracts on it)."""

from __future__ import annotations

import json
import signal
import sys
from typing import Annotated

import typer

from rwakit.cli.common import ChainKind, reported
from rwakit.config import get_settings


def chain(
    kind: Annotated[ChainKind, typer.Option("--kind")] = ChainKind.ANVIL,
    port: Annotated[int, typer.Option(help="Port (default: 8545, or a free one if taken)")] = 8545,
    keep_state: Annotated[bool, typer.Option("--keep-state", help="Persist the chain under the data dir")] = False,
) -> None:
    """Run a local chain until Ctrl-C; other commands find it through the data dir."""
    from rwakit.chain.node import port_is_free, start_node
    from rwakit.platform import node_record_path

    settings = get_settings()
    state_file = "anvil-state.json" if kind is ChainKind.ANVIL else "ganache-db"
    state = settings.data_dir / state_file if keep_state else None
    with reported():
        node = start_node(kind.value, port=port if port_is_free(port) else None, state_path=state)
    record = node_record_path(settings)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"kind": kind.value, "url": node.url, "pid": node.pid}) + "\n")
    typer.echo(f"{kind.value} (pid {node.pid}) serving {node.url}" + (f", state in {state}" if state else ""))
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        record.unlink(missing_ok=True)
        typer.echo(f"{kind.value} stopped")


def deploy(
    settlement_token: Annotated[
        str | None,
        typer.Option(help="The settlement currency's ERC-20 (default on a local chain: a test HKD coin deployed too)"),
    ] = None,
) -> None:
    """Deploy the registry, the factory and the money leg (DvP, distributions), and write the deployment record."""
    from rwakit.chain.transactions import TransactionManager
    from rwakit.deployment import deploy_platform
    from rwakit.platform import connect

    settings = get_settings()
    with reported():
        connection = connect(settings)
        deployment = deploy_platform(connection, TransactionManager(connection.w3), settlement_token=settlement_token)
    deployment.save(settings.deployment_file)
    typer.echo(f"registry {deployment.registry}\nfactory  {deployment.factory}")
    if deployment.dvp:
        coin = " (test coin)" if deployment.test_coin else ""
        typer.echo(f"cash     {deployment.settlement_token}{coin}\ndvp      {deployment.dvp}")
        typer.echo(f"income   {deployment.distributor}")
    typer.echo(f"record   {settings.deployment_file}")
