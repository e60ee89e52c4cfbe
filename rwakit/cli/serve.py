"""`rwakit serve`: the HTTP API, over the deployment in the data dir or a fresh demo chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import ChainKind, reported
from rwakit.config import get_settings

if TYPE_CHECKING:
    from rwakit.config import Settings


def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Start Anvil, deploy, seed the demo, print demo keys")] = False,
    host: Annotated[str | None, typer.Option(help="Interface (default RWAKIT_API_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RWAKIT_API_PORT, 8000)")] = None,
    kind: Annotated[ChainKind, typer.Option("--kind", help="With --demo")] = ChainKind.ANVIL,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes; more than 1 needs PostgreSQL (RWAKIT_DATABASE_URL)")
    ] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs): over the deployment in the data dir, or a fresh demo chain."""
    from rwakit.api.server import serve as run_server

    settings = get_settings()
    try:
        with reported():
            say = _with_demo_chain(settings) if demo else typer.echo
            run_server(settings, demo=demo, host=host, port=port, kind=kind.value, workers=workers, say=say)
    except KeyboardInterrupt:
        pass


def _with_demo_chain(settings: Settings) -> Callable[[str], None]:
    """Print as the server does, and the demo chain's JSON-RPC URL and chain id under the API's URLs,
    beside the keys, for wallets and other tools."""
    from rwakit.chain.connection import http_web3
    from rwakit.platform import node_record_path

    def say(line: str) -> None:
        typer.echo(line)
        if line.startswith("rwakit API on "):
            record = node_record_path(settings.model_copy(update={"data_dir": settings.data_dir / "demo"}))
            node = json.loads(record.read_text())
            chain_id = http_web3(node["url"], settings.rpc_timeout).eth.chain_id
            url = node["url"]
            typer.echo(f"Chain: {node['kind']} JSON-RPC on {url}, chain id {chain_id} (RWAKIT_RPC_URL for other tools)")

    return say
