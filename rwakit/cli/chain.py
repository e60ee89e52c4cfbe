"""`rwakit chain` (a local node) and `rwakit deploy` (the platform's contracts on it)."""

from __future__ import annotations

import json
import signal
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import ChainKind, reported
from rwakit.config import get_settings

if TYPE_CHECKING:
    from rwakit.chain.connection import Chain
    from rwakit.chain.transactions import TransactionManager
    from rwakit.custody.safe import SafeSpec


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
    safe: Annotated[
        str | None, typer.Option("--safe", help="M-of-N (e.g. 2-of-3): deploy a Safe on this local chain, with --owner")
    ] = None,
    owners: Annotated[
        list[str] | None, typer.Option("--owner", help="An owner of the new Safe (repeat N times)")
    ] = None,
    safe_address: Annotated[
        str | None, typer.Option("--safe-address", help="An existing Safe (any chain) to hold the roles instead")
    ] = None,
    settlement_token: Annotated[
        str | None,
        typer.Option(help="The settlement currency's ERC-20 (default on a local chain: a test HKD coin deployed too)"),
    ] = None,
) -> None:
    """Deploy the registry, the factory and the money leg (DvP, distributions), and write the deployment
    record. With --safe or --safe-address, a Safe receives every role of the registry, the factory and
    the assets (admin, registrar, issuer, compliance) and the deployer renounces them."""
    from rwakit.chain.transactions import TransactionManager
    from rwakit.deployment import deploy_platform
    from rwakit.errors import InvalidInput
    from rwakit.platform import Platform, connect

    settings = get_settings()
    with reported():
        if safe and safe_address:
            raise InvalidInput("Give --safe M-of-N (a new Safe) or --safe-address, not both", code="invalid_safe_spec")
        spec = _safe_spec(safe, owners or [])
        connection = connect(settings)
        txm = TransactionManager(connection.w3)
        holder = _safe(connection, txm, spec, safe_address)  # first: a refused Safe leaves no platform behind
        deployment = deploy_platform(connection, txm, settlement_token=settlement_token)
        if holder is not None:
            from rwakit.custody.handover import hand_roles_to

            hand_roles_to(Platform.open(connection, deployment), holder, connection.operator)
            deployment = deployment.held_by(holder)
    deployment.save(settings.deployment_file)
    typer.echo(f"registry {deployment.registry}\nfactory  {deployment.factory}")
    if deployment.dvp:
        coin = " (test coin)" if deployment.test_coin else ""
        typer.echo(f"cash     {deployment.settlement_token}{coin}\ndvp      {deployment.dvp}")
        typer.echo(f"income   {deployment.distributor}")
    typer.echo(f"record   {settings.deployment_file}")
    if deployment.safe:
        typer.echo(f"safe     {deployment.safe} holds the roles of the registry, the factory, the assets and DvP;")
        typer.echo(f"         the deployer {deployment.operator} holds none of them")


def _safe_spec(safe: str | None, owners: list[str]) -> SafeSpec | None:
    from rwakit.custody.safe import SafeSpec
    from rwakit.errors import InvalidInput

    if safe is None:
        if owners:
            raise InvalidInput("--owner goes with --safe M-of-N", code="invalid_safe_spec")
        return None
    return SafeSpec.parse(safe, owners)


def _safe(chain: Chain, txm: TransactionManager, spec: SafeSpec | None, address: str | None) -> str | None:
    """The Safe to hand the roles to: deployed from `spec` (local chains), or found at `address`."""
    from rwakit.custody.safe import SafeAccount, deploy_safe

    if spec is not None:
        return deploy_safe(chain, txm, spec).address
    return SafeAccount.at(chain.w3, address, four_eyes=True).address if address else None
