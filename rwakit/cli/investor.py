"""`rwakit investor ...`: the registrar's side of the investor registry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from rwakit.cli.common import InvestorClassName, platform, reported
from rwakit.errors import NotFound

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
