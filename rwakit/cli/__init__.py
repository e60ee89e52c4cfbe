"""The `rwakit` command: chains, compilation, deployment, investors, assets, issuance, rules, controls,
the audit trail, the database's schema, the money leg (cash, trades, distributions), funds' dealing, the demo."""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated

import typer

from rwakit.cli import (
    api_key,
    asset,
    audit,
    cash,
    chain,
    compile,
    control,
    db,
    demo,
    distribution,
    fund,
    index,
    investor,
    issue,
    key,
    proposal,
    rules,
    sender,
    serve,
    trade,
)

# A traceback's locals could hold a decrypted key or a passphrase: never print them.
app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_show_locals=False)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"rwakit {version('rwakit')}")
        raise typer.Exit()


@app.callback()
def _options(
    _version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    pass


app.command("compile")(compile.compile_contracts)
app.command("chain")(chain.chain)
app.command("deploy")(chain.deploy)
app.command("issue")(issue.issue)
app.command("issue-batch")(issue.issue_batch)
app.command("holdings")(issue.holdings)
app.command("history")(issue.history)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("sender")(sender.sender)
app.command("audit")(audit.audit_trail)
app.add_typer(investor.app, name="investor")
app.add_typer(asset.app, name="asset")
app.add_typer(api_key.app, name="api-key")
app.add_typer(key.app, name="key")
app.add_typer(proposal.app, name="proposal")
app.add_typer(rules.app, name="rules")
app.add_typer(control.app, name="control")
app.add_typer(index.app, name="index")
app.add_typer(db.app, name="db")
app.add_typer(cash.app, name="cash")
app.add_typer(trade.app, name="trade")
app.add_typer(distribution.app, name="distribution")
app.add_typer(fund.app, name="fund")
