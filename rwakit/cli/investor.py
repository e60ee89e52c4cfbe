"""`rwakit investor ...`: the registrar's side of the investor registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from rwakit.cli.common import (
    InvestorClassName,
    JsonOption,
    NoProgressOption,
    echo_json,
    one_proposal,
    platform,
    progress_bar,
    read_csv,
    reported,
    stopped_after,
)
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
def show(investor_id: str) -> None:
    """Show an investor's on-chain record."""
    from rwakit.units import country_label

    with reported():
        found = platform().registry.get(investor_id)
    typer.echo(
        f"{found.investor_id}: country {country_label(found.country)}, {found.investor_class.name.lower()}, "
        f"KYC until {found.kyc_expiry:%Y-%m-%d %H:%M} UTC, {'revoked' if found.revoked else 'active'}, "
        f"{'verified' if found.verified else 'NOT verified'}\n  wallets: {', '.join(found.wallets)}"
    )


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
