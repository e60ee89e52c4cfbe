"""`rwakit investor ...`: the registrar's side of the investor registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from rwakit.cli.asset import AtOption, BlockOption
from rwakit.cli.common import (
    InvestorClassName,
    JsonOption,
    NoProgressOption,
    echo_json,
    one_proposal,
    platform,
    print_table,
    progress_bar,
    read_csv,
    reported,
    rich_table,
    stopped_after,
)
from rwakit.cli.indexed import caught_up, parse_date
from rwakit.config import get_settings
from rwakit.errors import InvalidInput, NotFound

BATCH_COLUMNS = ["investor_id", "wallets", "country", "class", "kyc_expiry"]

app = typer.Typer(no_args_is_help=True, help="Register, update and revoke investors.")


@app.command("register")
def register(
    investor_id: str,
    wallet: Annotated[list[str], typer.Option(help="A wallet address (repeat for several)")],
    country: Annotated[str, typer.Option(help="ISO 3166 country: HK, SGP or 344")],
    kyc_expiry: Annotated[datetime, typer.Option(help="When the KYC expires (UTC), e.g. 2027-12-31")],
    investor_class: Annotated[
        InvestorClassName, typer.Option("--class", case_sensitive=False)
    ] = InvestorClassName.RETAIL,
) -> None:
    """Register an investor whose KYC was done off chain."""
    from rwakit.registry import InvestorInput

    expiry = kyc_expiry.replace(tzinfo=kyc_expiry.tzinfo or UTC)
    with reported():
        platform().registry.register(InvestorInput(investor_id, wallet, country, investor_class.value, expiry))
    typer.echo(f"registered {investor_id}")


@app.command("register-batch")
def register_batch(
    file: Annotated[
        Path,
        typer.Argument(help="CSV of investor_id,wallets,country,class,kyc_expiry rows; wallets separated by spaces"),
    ],
    chunk_size: Annotated[
        int | None, typer.Option(min=1, max=150, help="Investors per transaction [default: registration_batch_max]")
    ] = None,
    no_progress: NoProgressOption = False,
    as_json: JsonOption = False,
) -> None:
    """Register every investor of a CSV, in chunks of one transaction each. Every row is checked
    before anything is sent; a chunk refused stops the run and says how many were registered before it."""
    from rwakit.registry import InvestorInput

    with reported():
        investors = [
            InvestorInput(investor_id, wallets.split(), country, investor_class, _expiry(expiry))
            for investor_id, wallets, country, investor_class, expiry in read_csv(file, BATCH_COLUMNS)
        ]
        size = chunk_size or get_settings().registration_batch_max
        opened = platform()
        one_proposal(opened, len(investors), size)
        enabled = not (no_progress or as_json)
        with (
            stopped_after(len(investors), "registered") as tally,
            progress_bar("registering investors", enabled=enabled) as bar,
        ):
            receipts = opened.registry.register_chunked(investors, chunk_size=size, progress=tally.also(bar))
    hashes = [r["transactionHash"].to_0x_hex() for r in receipts]
    if as_json:
        echo_json({"registered": len(investors), "investor_ids": [i.investor_id for i in investors],
                   "transactions": hashes})  # fmt: skip
        return
    typer.echo(f"registered {len(investors)} investors in {len(hashes)} transaction(s): {', '.join(hashes)}")


def _expiry(text: str) -> datetime:
    try:
        expiry = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date: give YYYY-MM-DD, e.g. 2027-12-31", code="invalid_date") from None
    return expiry.replace(tzinfo=expiry.tzinfo or UTC)


@app.command("update")
def update(
    investor_id: str,
    country: Annotated[str | None, typer.Option()] = None,
    investor_class: Annotated[InvestorClassName | None, typer.Option("--class", case_sensitive=False)] = None,
    kyc_expiry: Annotated[datetime | None, typer.Option()] = None,
) -> None:
    """Change an investor's country, class or KYC expiry."""
    expiry = kyc_expiry.replace(tzinfo=kyc_expiry.tzinfo or UTC) if kyc_expiry else None
    new_class = investor_class.value if investor_class else None
    with reported():
        platform().registry.update(investor_id, country=country, investor_class=new_class, kyc_expiry=expiry)
    typer.echo(f"updated {investor_id}")


@app.command("revoke")
def revoke(investor_id: str) -> None:
    """Revoke an investor: every asset refuses their wallets."""
    with reported():
        platform().registry.revoke(investor_id)
    typer.echo(f"revoked {investor_id}")


@app.command("show")
def show(investor_id: str, block: BlockOption = None, at: AtOption = None, as_json: JsonOption = False) -> None:
    """Show an investor's registry record from the index: now, as of a block or a date."""
    from rwakit.indexer import queries, record_queries
    from rwakit.registry.models import InvestorClass
    from rwakit.units import country_alpha2, country_label

    with reported():
        day = parse_date(at)
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            when = queries.as_of(connection, chain_id, block=block, at=day)
            found = record_queries.investor(connection, chain_id, investor_id, when)
    r = found.record
    data = {
        "investor_id": r.investor_id, "number": r.number, "wallets": found.wallets,
        "country": country_alpha2(r.country), "country_code": r.country,
        "investor_class": InvestorClass(r.investor_class).name.lower(),
        "kyc_expiry": _day_time(r.kyc_expiry), "revoked": r.revoked, "verified": found.verified,
        "as_of_block": when.block_number,
    }  # fmt: skip
    if as_json:
        echo_json(data)
        return
    typer.echo(
        f"{r.investor_id}: country {country_label(r.country)}, {data['investor_class']}, "
        f"KYC until {data['kyc_expiry']} UTC, {'revoked' if r.revoked else 'active'}, "
        f"{'verified' if found.verified else 'NOT verified'} (as of block {when.block_number})\n"
        f"  wallets: {', '.join(found.wallets)}"
    )


@app.command("kyc-expiring")
def kyc_expiring(
    within_days: Annotated[int, typer.Option(help="Days from now (0 to 3660)")] = 30,
    offset: Annotated[int, typer.Option(min=0, help="Investors to skip")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many investors")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Investors (not revoked) whose KYC lapses within N days, soonest first, lapsed ones marked; from the index."""
    from rwakit.indexer import queries, record_queries
    from rwakit.registry.models import InvestorClass
    from rwakit.units import country_alpha2, country_label

    with reported():
        record_queries.check_within_days(within_days)
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            window = record_queries.kyc_expiring(connection, chain_id, within_days, offset=offset, limit=limit)
    rows = [
        {"investor_id": r.investor_id, "country": country_alpha2(r.country), "country_code": r.country,
         "investor_class": InvestorClass(r.investor_class).name.lower(), "kyc_expiry": _day_time(r.kyc_expiry),
         "expired": r.kyc_expiry <= window.now}
        for r in window.records
    ]  # fmt: skip
    if as_json:
        echo_json({"as_of_block": window.when.block_number, "now": _day_time(window.now),
                   "until": _day_time(window.until), "offset": offset, "limit": limit, "investors": rows})  # fmt: skip
        return
    title = f"KYC lapsing by {_day_time(window.until)} UTC (as of block {window.when.block_number})"
    made = rich_table("investor", "country", "class", "KYC expiry (UTC)", "status", title=title)
    for r in window.records:
        made.add_row(r.investor_id, country_label(r.country), InvestorClass(r.investor_class).name.lower(),
                     _day_time(r.kyc_expiry), "EXPIRED" if r.kyc_expiry <= window.now else "")  # fmt: skip
    print_table(made)
    if not rows:
        typer.echo("no investor's KYC lapses in that window")


def _day_time(seconds: int) -> str:
    """Unix seconds as YYYY-MM-DD HH:MM (UTC); far-future expiries beyond year 9999 as the raw number."""
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError, OSError):
        return str(seconds)


@app.command("add-wallet")
def add_wallet(investor_id: str, wallet: str) -> None:
    """Add a wallet to an investor."""
    with reported():
        platform().registry.add_wallet(investor_id, wallet)
    typer.echo(f"added {wallet} to {investor_id}")


@app.command("remove-wallet")
def remove_wallet(investor_id: str, wallet: str) -> None:
    """Take a wallet off an investor (a lost one, before `rwakit control recover`); they keep at least one."""
    registry = platform().registry
    with reported():
        if registry.investor_of(wallet) != investor_id:
            raise NotFound(f"{wallet} is not a wallet of investor {investor_id}", code="wallet_not_found")
        registry.remove_wallet(wallet, investor_id=investor_id)
    typer.echo(f"removed {wallet} from {investor_id}")
