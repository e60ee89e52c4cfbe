"""The `rwakit` command: chains, compilation, deployment, investors, assets, issuance, rules, controls,
the audit trail, the demo."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from rwakit.cli_controls import audit_trail, control_app, database, rules_app
from rwakit.config import Settings, get_settings
from rwakit.errors import ContractRevert, InvalidInput, NotFound, RwakitError

if TYPE_CHECKING:
    from sqlmodel import Session

    from rwakit.platform import Platform

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
investor_app = typer.Typer(no_args_is_help=True, help="Register, update and revoke investors.")
asset_app = typer.Typer(no_args_is_help=True, help="Create and inspect assets.")
api_key_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke the HTTP API's keys.")
app.add_typer(investor_app, name="investor")
app.add_typer(asset_app, name="asset")
app.add_typer(api_key_app, name="api-key")
app.add_typer(rules_app, name="rules")
app.add_typer(control_app, name="control")
app.command("audit")(audit_trail)

NodeKindOpt = Annotated[str, typer.Option("--kind", help="anvil or ganache")]


def _fail(exc: RwakitError) -> NoReturn:
    typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
    raise typer.Exit(1)


def _platform() -> Platform:
    from rwakit.platform import Platform

    return Platform.from_settings(get_settings())


@app.command()
def compile(
    check: Annotated[bool, typer.Option(help="Fail if the shipped artifacts differ from a fresh compile")] = False,
) -> None:
    """Compile contracts/ and write the artifacts shipped in the package."""
    from rwakit.contracts.compiler import ARTIFACTS_DIR, compile_sources, find_solc, write_artifacts

    typer.echo(f"solc: {find_solc()}")
    artifacts = compile_sources()
    if check:
        stale = [name for name, data in artifacts.items() if not _same_artifact(ARTIFACTS_DIR / f"{name}.json", data)]
        if stale:
            typer.echo(f"error [artifacts_stale]: rerun `rwakit compile`; differing: {', '.join(stale)}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{len(artifacts)} artifacts match the sources")
        return
    for path in write_artifacts(artifacts):
        typer.echo(f"wrote {path}")


def _same_artifact(path: Path, data: dict[str, object]) -> bool:
    return path.exists() and json.loads(path.read_text()) == data


@app.command()
def chain(
    kind: NodeKindOpt = "anvil",
    port: Annotated[int, typer.Option(help="Port (default: 8545, or a free one if taken)")] = 8545,
    keep_state: Annotated[bool, typer.Option("--keep-state", help="Persist the chain under the data dir")] = False,
) -> None:
    """Run a local chain until Ctrl-C; other commands find it through the data dir."""
    from rwakit.chain.node import port_is_free, start_node
    from rwakit.platform import node_record_path

    settings = get_settings()
    state = settings.data_dir / ("anvil-state.json" if kind == "anvil" else "ganache-db") if keep_state else None
    try:
        node = start_node(kind, port=port if port_is_free(port) else None, state_path=state)  # type: ignore[arg-type]
    except RwakitError as exc:
        _fail(exc)
    record = node_record_path(settings)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"kind": kind, "url": node.url, "pid": node.pid}) + "\n")
    typer.echo(f"{kind} (pid {node.pid}) serving {node.url}" + (f", state in {state}" if state else ""))
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        node.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        record.unlink(missing_ok=True)
        typer.echo(f"{kind} stopped")


@app.command()
def deploy() -> None:
    """Deploy the registry and the factory, and write the deployment record."""
    from rwakit.chain.transactions import TransactionManager
    from rwakit.deployment import deploy_platform
    from rwakit.platform import connect

    settings = get_settings()
    try:
        connection = connect(settings)
        deployment = deploy_platform(connection, TransactionManager(connection.w3))
    except RwakitError as exc:
        _fail(exc)
    deployment.save(settings.deployment_file)
    typer.echo(f"registry {deployment.registry}\nfactory  {deployment.factory}\nrecord   {settings.deployment_file}")


@investor_app.command("register")
def investor_register(
    investor_id: str,
    wallet: Annotated[list[str], typer.Option(help="A wallet address (repeat for several)")],
    country: Annotated[str, typer.Option(help="ISO 3166 country: HK, SGP or 344")],
    kyc_expiry: Annotated[datetime, typer.Option(help="When the KYC expires (UTC), e.g. 2027-12-31")],
    investor_class: Annotated[str, typer.Option("--class", help="retail, professional or institutional")] = "retail",
) -> None:
    """Register an investor whose KYC was done off chain."""
    from rwakit.registry import InvestorInput

    expiry = kyc_expiry.replace(tzinfo=kyc_expiry.tzinfo or UTC)
    try:
        _platform().registry.register(InvestorInput(investor_id, wallet, country, investor_class, expiry))
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"registered {investor_id}")


@investor_app.command("update")
def investor_update(
    investor_id: str,
    country: Annotated[str | None, typer.Option()] = None,
    investor_class: Annotated[str | None, typer.Option("--class")] = None,
    kyc_expiry: Annotated[datetime | None, typer.Option()] = None,
) -> None:
    """Change an investor's country, class or KYC expiry."""
    expiry = kyc_expiry.replace(tzinfo=kyc_expiry.tzinfo or UTC) if kyc_expiry else None
    try:
        _platform().registry.update(investor_id, country=country, investor_class=investor_class, kyc_expiry=expiry)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"updated {investor_id}")


@investor_app.command("revoke")
def investor_revoke(investor_id: str) -> None:
    """Revoke an investor: every asset refuses their wallets."""
    try:
        _platform().registry.revoke(investor_id)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"revoked {investor_id}")


@investor_app.command("show")
def investor_show(investor_id: str) -> None:
    """Show an investor's on-chain record."""
    from rwakit.units import country_label

    try:
        found = _platform().registry.get(investor_id)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(
        f"{found.investor_id}: country {country_label(found.country)}, {found.investor_class.name.lower()}, "
        f"KYC until {found.kyc_expiry:%Y-%m-%d %H:%M} UTC, {'revoked' if found.revoked else 'active'}, "
        f"{'verified' if found.verified else 'NOT verified'}\n  wallets: {', '.join(found.wallets)}"
    )


@investor_app.command("add-wallet")
def investor_add_wallet(investor_id: str, wallet: str) -> None:
    """Add a wallet to an investor."""
    try:
        _platform().registry.add_wallet(investor_id, wallet)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"added {wallet} to {investor_id}")


@investor_app.command("remove-wallet")
def investor_remove_wallet(investor_id: str, wallet: str) -> None:
    """Take a wallet off an investor (a lost one, before `rwakit control recover`); they keep at least one."""
    platform = _platform()
    try:
        if platform.registry.investor_of(wallet) != investor_id:
            raise NotFound(f"{wallet} is not a wallet of investor {investor_id}", code="wallet_not_found")
        platform.registry.remove_wallet(wallet)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"removed {wallet} from {investor_id}")


@asset_app.command("create")
def asset_create(
    name: Annotated[str, typer.Option()],
    symbol: Annotated[str, typer.Option()],
    shares: Annotated[str, typer.Option(help="Shares authorised, whole shares")],
    decimals: Annotated[int, typer.Option()] = 6,
    kind: Annotated[str, typer.Option(help="property or fund")] = "property",
    document_uri: Annotated[str, typer.Option()] = "",
    document_hash: Annotated[str, typer.Option()] = "0x" + "00" * 32,
) -> None:
    """Create an asset token through the factory."""
    from rwakit.tokenize import AssetSpec

    try:
        asset = _platform().assets.create(AssetSpec(name, symbol, decimals, kind, shares, document_uri, document_hash))
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"created {asset.symbol} at {asset.address}")


@asset_app.command("list")
def asset_list() -> None:
    """List the platform's assets."""
    try:
        assets = _platform().assets.list()
    except RwakitError as exc:
        _fail(exc)
    for asset in assets:
        typer.echo(
            f"{asset.symbol:<8} {asset.kind.name.lower():<9} {asset.address} "
            f"{asset.display(asset.total_supply)} / {asset.display(asset.shares_authorised)} issued"
        )


@asset_app.command("cap-table")
def asset_cap_table(asset: str) -> None:
    """Print an asset's holders, grouped by investor."""
    from rwakit.demo import format_cap_table

    try:
        platform = _platform()
        typer.echo(format_cap_table(platform.assets.cap_table(asset), platform))
    except RwakitError as exc:
        _fail(exc)


@app.command()
def issue(asset: str, to: Annotated[str, typer.Argument(help="Investor id or wallet")], amount: str) -> None:
    """Issue shares of an asset (symbol or address) to an investor: amount in shares, e.g. 12.5."""
    try:
        receipt = _platform().assets.issue(asset, to, amount)
    except ContractRevert as exc:
        _fail(exc.described_as(f"issue {amount} {asset} to {to}"))
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"issued {amount} {asset} to {to} in {receipt['transactionHash'].to_0x_hex()}")


@app.command()
def holdings(investor_id: str) -> None:
    """An investor's holdings across all assets."""
    try:
        held = _platform().assets.holdings(investor_id)
    except RwakitError as exc:
        _fail(exc)
    if not held:
        typer.echo(f"{investor_id} holds nothing")
    for holding in held:
        typer.echo(f"{holding.symbol:<8} {holding.display:>22}  ({holding.asset})")


@app.command()
def demo(kind: Annotated[str, typer.Option("--kind", help="anvil, ganache or tester (in-process)")] = "anvil") -> None:
    """On a fresh local chain: deploy, register investors, create assets, issue, show a refusal."""
    from rwakit.chain.connection import connect_tester, connect_url, dev_signers
    from rwakit.chain.node import NODE_KINDS, start_node
    from rwakit.demo import run_demo
    from rwakit.platform import Platform

    settings = get_settings()
    if kind not in (*NODE_KINDS, "tester"):
        _fail(InvalidInput(f"Unknown chain kind {kind!r}: use anvil, ganache or tester", code="invalid_chain_kind"))
    try:
        if kind == "tester":
            run_demo(Platform.deploy(connect_tester()))
            return
        with start_node(kind) as node:  # type: ignore[arg-type]
            typer.echo(f"Started {kind} (pid {node.pid}) on {node.url}")
            run_demo(Platform.deploy(connect_url(node.url, dev_signers(settings))))
    except RwakitError as exc:
        _fail(exc)


@app.command()
def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Start Anvil, deploy, seed the demo, print demo keys")] = False,
    host: Annotated[str | None, typer.Option(help="Interface (default RWAKIT_API_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default RWAKIT_API_PORT, 8000)")] = None,
    kind: Annotated[str, typer.Option("--kind", help="With --demo: anvil or ganache")] = "anvil",
) -> None:
    """Serve the HTTP API (docs at /docs): over the deployment in the data dir, or a fresh demo chain."""
    from rwakit.api.server import serve as run_server

    settings = get_settings()
    try:
        say = _with_demo_chain(settings) if demo else typer.echo
        run_server(settings, demo=demo, host=host, port=port, kind=kind, say=say)
    except RwakitError as exc:
        _fail(exc)
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


def _key_session() -> Session:
    from sqlmodel import Session

    return Session(database())


@api_key_app.command("create")
def api_key_create(
    role: Annotated[str, typer.Option(help="admin, issuer, registrar or investor")],
    investor: Annotated[str | None, typer.Option(help="The investor id an investor key is bound to")] = None,
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
) -> None:
    """Create an API key in the API's database (RWAKIT_DATABASE_URL) and print it: it is shown only once."""
    from rwakit.db.keys import create_api_key

    try:
        with _key_session() as session:
            row, key = create_api_key(session, role=role, investor_id=investor, name=name)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"{row.role} key {row.prefix}" + (f" for {row.investor_id}" if row.investor_id else "") + f":\n{key}")


@api_key_app.command("list")
def api_key_list() -> None:
    """List API keys (prefix, role, investor, status); the keys themselves are not stored."""
    from rwakit.db.keys import list_api_keys

    try:
        with _key_session() as session:
            rows = list_api_keys(session)
    except RwakitError as exc:
        _fail(exc)
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        typer.echo(f"{row.prefix}  {row.role:<10} {row.investor_id or '-':<12} {state:<8} {row.name}")


@api_key_app.command("revoke")
def api_key_revoke(prefix: str) -> None:
    """Revoke a key by its prefix (the 8 hex digits after rwk_)."""
    from rwakit.db.keys import revoke_api_key

    try:
        with _key_session() as session:
            revoke_api_key(session, prefix=prefix)
    except RwakitError as exc:
        _fail(exc)
    typer.echo(f"revoked {prefix}")


if __name__ == "__main__":
    app()
