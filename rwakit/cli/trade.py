"""`rwakit trade ...`: OTC trades settled delivery versus payment."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rwakit.cli.common import JsonOption, echo_json, print_table, reported, rich_table
from rwakit.cli.money import settlement, signer_for

if TYPE_CHECKING:
    from rwakit.settlement.services import Settlement
    from rwakit.settlement.trades import Trade

app = typer.Typer(
    no_args_is_help=True, help="OTC trades: shares against the settlement currency, both legs or neither."
)
AS = typer.Option("--as", help="Investor id or wallet that signs (default: the operator, the OTC desk)")


class Side(StrEnum):
    SELL = "sell"
    BUY = "buy"


class StatusName(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    FAILED = "failed"
    EXPIRED = "expired"


def _line(s: Settlement, t: Trade) -> str:
    asset = s.trades.assets.get(t.asset)
    expiry = datetime.fromtimestamp(t.expiry, UTC).isoformat(timespec="seconds")
    buyer = t.buyer if int(t.buyer, 16) else "(open)"
    return (f"{t.id:>4} {t.status.label:<9} {asset.display(t.quantity)} {asset.symbol} for "
            f"{s.cash.display(t.price)} {s.cash.symbol}  seller {t.seller} buyer {buyer}  "
            f"fee {t.fee_bps} bps  expires {expiry}")  # fmt: skip


@app.command("propose")
def propose(
    asset: str,
    quantity: Annotated[str, typer.Argument(help="Shares, e.g. 25.5")],
    price: Annotated[str, typer.Argument(help="The whole payment in the settlement currency, e.g. 3187.50")],
    side: Annotated[Side, typer.Option(case_sensitive=False, help="The proposer's side")],
    who: Annotated[str, AS],
    to: Annotated[str | None, typer.Option("--to", help="Counterparty (none: an open proposal for the desk)")] = None,
    expires_in: Annotated[int, typer.Option(help="Seconds until the trade expires")] = 24 * 3600,
) -> None:
    """Propose a trade as seller or buyer; the proposer's leg is approved to the DvP contract."""
    with reported():
        s = settlement()
        trade = s.trades.propose(signer_for(s, who), asset=asset, counterparty=to, quantity=quantity, price=price,
                                 expires_in=expires_in, as_seller=side is Side.SELL)  # fmt: skip
        typer.echo(_line(s, trade))


@app.command("accept")
def accept(trade_id: int, who: Annotated[str, AS]) -> None:
    """Accept as the counterparty: compliance is checked and the payment escrowed."""
    with reported():
        s = settlement()
        typer.echo(_line(s, s.trades.accept(signer_for(s, who), trade_id)))


@app.command("match")
def match(
    sell_id: Annotated[int, typer.Argument(help="An open sell proposal")],
    buy_id: Annotated[int, typer.Argument(help="A buy proposal on the same asset, quantity and price")],
    who: Annotated[str | None, typer.Option("--as", help="The OTC desk that signs (default: the operator)")] = None,
) -> None:
    """The OTC desk matches a sell proposal with a buy proposal: the sell becomes the accepted trade (payment
    escrowed), the buy ends cancelled."""
    with reported():
        s = settlement()
        typer.echo(_line(s, s.trades.match(signer_for(s, who), sell_id, buy_id)))


@app.command("settle")
def settle(trade_id: int, who: Annotated[str | None, AS] = None) -> None:
    """Settle both legs (seller, buyer or the desk)."""
    with reported():
        s = settlement()
        typer.echo(_line(s, s.trades.settle(signer_for(s, who), trade_id)))


@app.command("cancel")
def cancel(trade_id: int, who: Annotated[str, AS]) -> None:
    """Cancel a proposal before acceptance (seller or buyer); after expiry anyone unwinds (`rwakit trade unwind`)."""
    with reported():
        s = settlement()
        typer.echo(_line(s, s.trades.cancel(signer_for(s, who), trade_id)))


@app.command("unwind")
def unwind(trade_id: int, who: Annotated[str | None, AS] = None) -> None:
    """Unwind an expired trade (anyone): an escrowed payment goes back to the buyer."""
    with reported():
        s = settlement()
        typer.echo(_line(s, s.trades.unwind(signer_for(s, who), trade_id)))


@app.command("list")
def list_trades(
    status: Annotated[StatusName | None, typer.Option(case_sensitive=False)] = None, as_json: JsonOption = False
) -> None:
    """List trades, optionally by status."""
    from rwakit.settlement.trades import TradeStatus

    with reported():
        s = settlement()
        rows = [_row(s, trade) for trade in s.trades.list(TradeStatus[status.name] if status else None)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("no trades")
        return
    made = rich_table(">id", "status", ">shares", "asset", ">price", "seller", "buyer", ">fee bps", "expires")
    for r in rows:
        made.add_row(str(r["id"]), r["status"], r["quantity"], r["asset"], f"{r['price']} {r['currency']}", r["seller"],
                     r["buyer"] or "(open)", str(r["fee_bps"]), r["expires"])  # fmt: skip
    print_table(made)


def _row(s: Settlement, t: Trade) -> dict[str, Any]:
    asset = s.trades.assets.get(t.asset)
    return {"id": t.id, "status": t.status.label, "asset": asset.symbol, "quantity": asset.display(t.quantity),
            "price": s.cash.display(t.price), "currency": s.cash.symbol, "seller": t.seller,
            "buyer": t.buyer if int(t.buyer, 16) else None, "fee_bps": t.fee_bps,
            "expires": datetime.fromtimestamp(t.expiry, UTC).isoformat(timespec="seconds")}  # fmt: skip
