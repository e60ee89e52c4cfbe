"""`rwakit distribution ...`: income paid to an asset's holders of record, claimed with Merkle proofs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import reported
from rwakit.cli.money import settlement, signer_for

if TYPE_CHECKING:
    from rwakit.settlement.distributions import Distribution
    from rwakit.settlement.services import Settlement

app = typer.Typer(no_args_is_help=True, help="Income distributions: rent, dividends, coupons, claimed by holders.")
DAY = 24 * 3600


def _line(s: Settlement, d: Distribution) -> str:
    asset = s.trades.assets.get(d.asset)
    deadline = datetime.fromtimestamp(d.deadline, UTC).isoformat(timespec="seconds")
    c = s.cash
    return (f"{d.id:>4} {asset.symbol:<8} record block {d.record_block}  funded {c.display(d.allocated)} of "
            f"{c.display(d.amount)} {c.symbol} (remainder kept {c.display(d.remainder)})  claimed "
            f"{c.display(d.claimed)}  deadline {deadline}")  # fmt: skip


@app.command("create")
def create(
    asset: str,
    amount: Annotated[str, typer.Argument(help="In the settlement currency, e.g. 250000")],
    deadline_days: Annotated[int, typer.Option(help="Days holders have to claim")] = 90,
    record_block: Annotated[int | None, typer.Option(help="Default: the block before the latest")] = None,
    record_date: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Instead of --record-block: the last block of this past UTC day"),
    ] = None,
    uri: Annotated[str, typer.Option(help="Where the tree is published")] = "",
    tree_out: Annotated[Path | None, typer.Option(help="Write the tree (StandardMerkleTree JSON) here")] = None,
) -> None:
    """Fund a distribution to the asset's holders at the record block, or at the last block of a past UTC day
    (--record-date, found on chain by block timestamps); the issuer signs."""
    with reported():
        s = settlement()
        day = None if record_date is None else record_date.date()
        d = s.distributions.create(signer_for(s, None), asset, amount, deadline_in=deadline_days * DAY,
                                   record_block=record_block, record_date=day, uri=uri)  # fmt: skip
        if tree_out is not None:
            tree_out.write_text(json.dumps(s.distributions.tree(d.id).dump(), indent=1) + "\n")
        typer.echo(_line(s, d))


@app.command("claim")
def claim(
    distribution_id: int,
    holder: Annotated[str, typer.Argument(help="A wallet, or an investor id: every wallet registered to it now")],
    who: Annotated[str | None, typer.Option("--as", help="Who sends the claims (default: the operator)")] = None,
) -> None:
    """Claim a holder's share: each leaf of the wallet, or of every wallet of the investor, not paid yet, one
    transaction per leaf (anyone may send them; the coins go to the wallets)."""
    with reported():
        s = settlement()
        paid = s.distributions.claim_all(signer_for(s, who), distribution_id, holder)
    for c, receipt in paid:
        typer.echo(f"paid {s.cash.display(c.amount)} {s.cash.symbol} to {c.wallet} in "
                   f"{receipt['transactionHash'].to_0x_hex()}")  # fmt: skip


@app.command("push")
def push(distribution_id: int, batch: Annotated[int, typer.Option(help="Leaves a transaction")] = 50) -> None:
    """The issuer pays every holder of record not yet paid (ineligible holders are skipped and wait)."""
    with reported():
        s = settlement()
        receipts = s.distributions.push(signer_for(s, None), distribution_id, batch=batch)
        typer.echo(_line(s, s.distributions.get(distribution_id)))
    typer.echo(f"in {len(receipts)} transaction(s)" if receipts else "every holder of record was paid already")


@app.command("reclaim")
def reclaim(distribution_id: int) -> None:
    """Return what is left after the deadline to the issuer."""
    with reported():
        s = settlement()
        receipt = s.distributions.reclaim(signer_for(s, None), distribution_id)
        typer.echo(f"{_line(s, s.distributions.get(distribution_id))}\nin {receipt['transactionHash'].to_0x_hex()}")


@app.command("list")
def list_distributions() -> None:
    """List distributions."""
    with reported():
        s = settlement()
        distributions = s.distributions.list()
        for d in distributions:
            typer.echo(_line(s, d))
    if not distributions:
        typer.echo("no distributions")
