"""`rwakit rules ...`: the compliance officer's rules of an asset."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from rwakit.cli.asset import AtOption, BlockOption
from rwakit.cli.common import JsonOption, OnOff, echo_json, reported, send
from rwakit.cli.indexed import caught_up, parse_date

app = typer.Typer(no_args_is_help=True, help="Show and set an asset's compliance rules.")

Reason = Annotated[str, typer.Option(help="Why (recorded in the audit trail)")]


class AdmittedClass(StrEnum):
    RETAIL = "retail"
    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"
    ANY = "any"


@app.command("show")
def show(asset: str, block: BlockOption = None, at: AtOption = None, as_json: JsonOption = False) -> None:
    """Print the asset's rules and holder count from the index: now, as of a block or a date."""
    from dataclasses import asdict

    from rwakit.indexer import queries, record_queries
    from rwakit.registry import InvestorClass

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            found = queries.asset(connection, chain_id, asset)
            when = queries.as_of(connection, chain_id, block=block, at=day)
            rules = record_queries.rules(connection, chain_id, found, when)
    shown = {
        **asdict(rules),
        "allowed_classes": [c.name.lower() for c in InvestorClass if rules.allowed_classes >> c & 1],
        "minimum_lot": found.display(rules.minimum_lot),
        "max_balance": found.display(rules.max_balance) if rules.max_balance else None,
        "max_holders": rules.max_holders or None,
        "lockup_until": rules.lockup_until or None,
        "as_of_block": when.block_number,
    }
    if as_json:
        echo_json(shown)
        return
    for name, value in shown.items():
        typer.echo(f"{name:<20} {value}")


@app.command("allow-countries")
def allow_countries(
    asset: str,
    countries: Annotated[list[str], typer.Argument(help="ISO 3166 codes: HK SG 826")],
    remove: Annotated[bool, typer.Option("--remove", help="Take them off the allow-list")] = False,
    reason: Reason = "",
) -> None:
    """Add countries to the allow-list (enable it with `rules allow-list on`)."""
    send(
        lambda p: p.compliance.allow_countries(asset, countries, allowed=not remove, reason=reason),
        "allow-list updated",
    )


@app.command("allow-list")
def allow_list(asset: str, state: OnOff, reason: Reason = "") -> None:
    """Turn the country allow-list on or off."""
    on = state is OnOff.ON
    send(lambda p: p.compliance.enable_allow_list(asset, on, reason=reason), f"allow-list {state.value}")


@app.command("block-countries")
def block_countries(
    asset: str,
    countries: Annotated[list[str], typer.Argument(help="ISO 3166 codes")],
    remove: Annotated[bool, typer.Option("--remove", help="Unblock them")] = False,
    reason: Reason = "",
) -> None:
    """Block countries: their investors cannot acquire shares."""
    send(
        lambda p: p.compliance.block_countries(asset, countries, blocked=not remove, reason=reason),
        "block-list updated",
    )


@app.command("classes")
def classes(
    asset: str,
    admitted: Annotated[list[AdmittedClass], typer.Argument(case_sensitive=False, help="'any' for all")],
    reason: Reason = "",
) -> None:
    """Admit only these investor classes."""
    names = [] if AdmittedClass.ANY in admitted else [c.value for c in admitted]
    send(lambda p: p.compliance.allow_classes(asset, names, reason=reason), "investor classes set")


@app.command("lockup")
def lockup(
    asset: str, until: Annotated[str, typer.Argument(help="UTC date (2027-06-30) or 'none'")], reason: Reason = ""
) -> None:
    """Refuse transfers between holders until a date."""
    try:
        moment = None if until == "none" else datetime.fromisoformat(until).replace(tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(f"{until!r} is not a date such as 2027-06-30, nor 'none'") from None
    send(lambda p: p.compliance.set_lockup(asset, moment, reason=reason), "lock-up set")


@app.command("minimum-lot")
def minimum_lot(
    asset: str, amount: Annotated[str, typer.Argument(help="Shares, e.g. 100 or 0.5")], reason: Reason = ""
) -> None:
    """Smallest transfer between holders."""
    send(lambda p: p.compliance.set_minimum_lot(asset, amount, reason=reason), "minimum lot set")


@app.command("max-holders")
def max_holders(
    asset: str, count: Annotated[str, typer.Argument(help="A number, or 'none'")], reason: Reason = ""
) -> None:
    """At most this many investors (not wallets) may hold the asset."""
    if count != "none" and not count.isdigit():
        raise typer.BadParameter(f"{count!r} is not a whole number, nor 'none'")
    limit = None if count == "none" else int(count)
    send(lambda p: p.compliance.set_max_holders(asset, limit, reason=reason), "max holders set")


@app.command("max-balance")
def max_balance(
    asset: str, amount: Annotated[str, typer.Argument(help="Shares, or 'none'")], reason: Reason = ""
) -> None:
    """No investor may hold more than this over all their wallets."""
    limit = None if amount == "none" else amount
    send(lambda p: p.compliance.set_max_balance(asset, limit, reason=reason), "max balance set")
