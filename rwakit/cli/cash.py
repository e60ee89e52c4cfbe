"""`rwakit cash ...`: the settlement currency (mint only where the platform deployed its test coin; balances of
any settlement currency)."""

from __future__ import annotations

import typer

from rwakit.cli.common import reported
from rwakit.cli.money import settlement

app = typer.Typer(no_args_is_help=True, help="The settlement currency: balances, and test coins on local chains.")


@app.command("mint")
def mint(to: str, amount: str) -> None:
    """Mint test coins to an investor id or wallet (local chains only): amount in coins, e.g. 2500.50."""
    with reported():
        s = settlement()
        receipt = s.cash.mint(str(s.trades.assets.recipient(to)), amount)
    typer.echo(f"minted {amount} {s.cash.symbol} to {to} in {receipt['transactionHash'].to_0x_hex()}")


@app.command("balance")
def balance(who: str) -> None:
    """An investor's (first wallet's) or a wallet's balance of the settlement currency, whichever ERC-20 it is:
    the test coin or a real stablecoin (a read moves nothing; only minting is limited to the test coin)."""
    with reported():
        s = settlement()
        value = s.cash.balance(str(s.trades.assets.recipient(who)))
    typer.echo(f"{s.cash.display(value)} {s.cash.symbol}")
