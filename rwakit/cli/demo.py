"""`rwakit demo`: the platform's story on a fresh local chain."""

from __future__ import annotations

from typing import Annotated

import typer

from rwakit.cli.common import reported
from rwakit.config import get_settings
from rwakit.errors import InvalidInput


def demo(kind: Annotated[str, typer.Option("--kind", help="anvil, ganache or tester (in-process)")] = "anvil") -> None:
    """On a fresh local chain: deploy, register investors, create assets, issue, show a refusal."""
    from rwakit.chain.connection import connect_tester, connect_url, dev_signers
    from rwakit.chain.node import NODE_KINDS, start_node
    from rwakit.demo import run_demo
    from rwakit.platform import Platform

    settings = get_settings()
    with reported():
        # Not an Enum choice: an unknown kind is refused as invalid_chain_kind, as the docs say.
        if kind not in (*NODE_KINDS, "tester"):
            raise InvalidInput(f"Unknown chain kind {kind!r}: use anvil, ganache or tester", code="invalid_chain_kind")
        if kind == "tester":
            run_demo(Platform.deploy(connect_tester()))
            return
        with start_node(kind) as node:  # type: ignore[arg-type]
            typer.echo(f"Started {kind} (pid {node.pid}) on {node.url}")
            run_demo(Platform.deploy(connect_url(node.url, dev_signers(settings))))
