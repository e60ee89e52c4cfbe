"""`rwakit fund ...`: a fund's dealing vault, its NAV, and subscriptions and redemptions at the dealing NAV."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rwakit.cli.common import platform, reported
from rwakit.errors import ConfigError, InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from rwakit.chain.signer import Signer
    from rwakit.funds.models import DayTotals, Fund, Nav, Position
    from rwakit.funds.services import Funds
    from rwakit.indexer.fund_queries import IndexedFund
    from rwakit.platform import Platform

app = typer.Typer(no_args_is_help=True, help="Funds: NAV, dealing days, subscriptions and redemptions at the NAV.")
nav_app = typer.Typer(no_args_is_help=True, help="A fund's NAV per share: publish (valuer), confirm (admin), show.")
app.add_typer(nav_app, name="nav")

AS = typer.Option("--as", help="Investor id or wallet that signs (default: the operator)")
INVESTOR = typer.Option("--as", help="The investor (id or wallet) who signs")
JSON = typer.Option("--json", help="As JSON (amounts as decimal strings)")
HOUR = 3600


class SideName(StrEnum):
    SUBSCRIPTION = "subscription"
    REDEMPTION = "redemption"


@dataclass(frozen=True)
class Opened:
    platform: Platform
    funds: Funds

    def signer(self, who: str | None) -> Signer:
        """The key rwakit holds for `who` (an investor id or wallet; None: the platform's signer, the operator
        or the proposer of the Safe that holds the roles: the funds' admin, and by default valuer and manager)."""
        chain = self.platform.chain
        if who is None:
            return self.platform.signer
        address = self.platform.assets.recipient(who)
        for signer in chain.signers:
            if signer.address == address:
                return signer
        raise ConfigError(
            f"rwakit holds no key for {who} ({address}): on a local chain use one of its funded accounts; "
            "elsewhere the investor signs with their own wallet",
            code="no_key_for_wallet",
        )

    def cash(self, value: int) -> str:
        return f"{self.funds.cash.display(value)} {self.funds.cash.symbol}"

    def shares(self, fund: str, value: int) -> str:
        return self.platform.assets.get(fund).display(value)


def _open() -> Opened:
    from rwakit.funds.services import Funds

    opened = platform()
    return Opened(opened, Funds.open(opened))


def _nav(n: Nav) -> dict[str, Any]:
    from rwakit.funds.models import iso_time

    return {"id": n.id, "nav": n.display, "valued_at": iso_time(n.valuation_time),
            "published_at": iso_time(n.published_at), "status": n.status.label,
            "confirmed_at": iso_time(n.confirmed_at) if n.confirmed_at else None}  # fmt: skip


def _fund(o: Opened, f: Fund) -> dict[str, Any]:
    from rwakit.funds.models import day_date, format_cutoff

    t = f.terms
    return {
        "fund": f.symbol, "asset": f.asset, "vault": f.vault, "cutoff": format_cutoff(f.cutoff),
        "open_day": day_date(f.open_day).isoformat(), "first_day": day_date(f.first_day).isoformat(),
        "nav": _nav(f.latest_nav), "nav_usable": f.nav_usable,
        "baseline_nav_id": f.baseline_nav_id,
        "terms": {
            "cash_account": t.cash_account, "fee_account": t.fee_account,
            "subscription_fee_bps": t.subscription_fee_bps, "redemption_fee_bps": t.redemption_fee_bps,
            "max_nav_deviation_bps": t.max_nav_deviation_bps, "max_nav_age_hours": t.max_nav_age / HOUR,
            "min_subscription": o.funds.cash.display(t.min_subscription),
            "min_redemption": o.shares(f.asset, t.min_redemption),
        },
    }  # fmt: skip


def _day(o: Opened, fund: str, d: DayTotals) -> dict[str, Any]:
    from rwakit.funds.models import day_date, format_nav

    return {"day": day_date(d.day).isoformat(), "settled": d.settled, "nav": format_nav(d.nav) if d.nav else None,
            "subscriptions": o.funds.cash.display(d.subscription_cash),
            "subscription_fees": o.funds.cash.display(d.subscription_fees),
            "redemptions": o.shares(fund, d.redemption_shares)}  # fmt: skip


def _position(o: Opened, p: Position) -> dict[str, Any]:
    from rwakit.funds.models import day_date

    c = o.funds.cash.display

    def s(value: int) -> str:
        return o.shares(p.fund, value)

    return {
        "wallet": p.wallet, "shares": s(p.shares),
        "subscription": {"pending": c(p.pending_subscription),
                         "day": day_date(p.subscription_day).isoformat() if p.pending_subscription else None,
                         "claimable_cash": c(p.claimable_subscription), "claimable_shares": s(p.claimable_shares),
                         "cancelled": c(p.cancelled_subscription), "refunded": c(p.refunded_subscription)},
        "redemption": {"pending": s(p.pending_redemption),
                       "day": day_date(p.redemption_day).isoformat() if p.pending_redemption else None,
                       "claimable_shares": s(p.claimable_redemption), "claimable_cash": c(p.claimable_cash),
                       "claimable_fees": c(p.claimable_redemption_fees), "cancelled": s(p.cancelled_redemption)},
    }  # fmt: skip


def _echo(data: dict[str, Any], as_json: bool, prefix: str = "") -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, dict):
            typer.echo(f"{prefix}{key}:")
            _echo(value, False, prefix + "  ")
        else:
            typer.echo(f"{prefix}{key}: {value}")


@app.command("open")
def open_vault(
    fund: str,
    nav: Annotated[str, typer.Option("--nav", help="The launch NAV per share, e.g. 10.00")],
    cash_account: Annotated[str, typer.Option(help="Receives subscriptions, pays redemptions (investor id or wallet)")],
    fee_account: Annotated[str, typer.Option(help="Receives the fees (investor id or wallet)")],
    cutoff: Annotated[str, typer.Option(help="Daily cut-off, HH:MM in --zone")] = "17:00",
    zone: Annotated[str, typer.Option(help="The cut-off's time zone (IANA)")] = "Asia/Hong_Kong",
    subscription_fee_bps: Annotated[int, typer.Option(help="0 to 1,000")] = 0,
    redemption_fee_bps: Annotated[int, typer.Option(help="0 to 1,000")] = 0,
    max_nav_deviation_bps: Annotated[int, typer.Option(help="A NAV further from the last is held")] = 500,
    max_nav_age_hours: Annotated[int, typer.Option(help="An older NAV is stale for settlement")] = 96,
    min_subscription: Annotated[str, typer.Option(help="In the settlement currency")] = "0",
    min_redemption: Annotated[str, typer.Option(help="In shares")] = "0",
    valuer: Annotated[str | None, typer.Option(help="Publishes NAVs (default: the operator)")] = None,
    manager: Annotated[str | None, typer.Option(help="Settles dealing days (default: the operator)")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Open a fund's dealing vault (the fund's admin, the operator, signs); it gets the fund's issuer role, and
    the cash account approves it if rwakit holds that key."""
    with reported():
        o = _open()
        terms = o.funds.vaults.terms(
            cash_account=cash_account, fee_account=fee_account, subscription_fee_bps=subscription_fee_bps,
            redemption_fee_bps=redemption_fee_bps, max_nav_deviation_bps=max_nav_deviation_bps,
            max_nav_age=max_nav_age_hours * HOUR, min_subscription=min_subscription, min_redemption=min_redemption,
            fund=fund,
        )  # fmt: skip
        opened = o.funds.vaults.open(o.signer(None), fund, terms, initial_nav=nav, cutoff=cutoff, zone=zone,
                                     valuer=valuer, manager=manager)  # fmt: skip
        data = _fund(o, opened.fund) | {"cash_approved": opened.cash_approved}
    _echo(data, as_json)
    if not opened.cash_approved and not as_json:
        typer.echo(f"the cash account must approve {opened.fund.vault} in {o.funds.cash.symbol} to pay redemptions")


@nav_app.command("publish")
def nav_publish(fund: str, nav: Annotated[str, typer.Argument(help="Per share, e.g. 10.0523")],
                who: Annotated[str | None, AS] = None, as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Publish the NAV per share, valued now (the valuer signs)."""
    with reported():
        o = _open()
        published = o.funds.vaults.publish_nav(o.signer(who), fund, nav)
    _echo(_nav(published), as_json)


@nav_app.command("confirm")
def nav_confirm(fund: str, nav_id: Annotated[int | None, typer.Option("--id", help="Default: the latest")] = None,
                as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Confirm the latest NAV, held or stale, for dealing (the admin, the operator, signs)."""
    with reported():
        o = _open()
        confirmed = o.funds.vaults.confirm_nav(o.signer(None), fund, nav_id)
    _echo(_nav(confirmed), as_json)


@nav_app.command("show")
def nav_show(fund: str, history: Annotated[bool, typer.Option(help="Every NAV, oldest first")] = False,
             as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """The latest NAV and whether it may deal now (or every NAV)."""
    with reported():
        o = _open()
        if history:
            navs = [_nav(n) for n in o.funds.vaults.navs(fund)]
            if as_json:
                typer.echo(json.dumps(navs, indent=2))
            for n in navs if not as_json else []:
                typer.echo(f"{n['id']:>4} {n['nav']:>24} valued {n['valued_at']}  {n['status']}")
            return
        f = o.funds.vaults.get(fund)
    _echo(_nav(f.latest_nav) | {"usable": f.nav_usable}, as_json)


@app.command("terms")
def terms(
    fund: str,
    cash_account: Annotated[str | None, typer.Option()] = None,
    fee_account: Annotated[str | None, typer.Option()] = None,
    subscription_fee_bps: Annotated[int | None, typer.Option()] = None,
    redemption_fee_bps: Annotated[int | None, typer.Option()] = None,
    max_nav_deviation_bps: Annotated[int | None, typer.Option()] = None,
    max_nav_age_hours: Annotated[int | None, typer.Option()] = None,
    min_subscription: Annotated[str | None, typer.Option(help="In the settlement currency")] = None,
    min_redemption: Annotated[str | None, typer.Option(help="In shares")] = None,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """Show a fund's dealing terms; with options, change those (the admin, the operator, signs)."""
    with reported():
        o = _open()
        f = o.funds.vaults.get(fund)
        changes = (cash_account, fee_account, subscription_fee_bps, redemption_fee_bps, max_nav_deviation_bps,
                   max_nav_age_hours, min_subscription, min_redemption)  # fmt: skip
        if any(change is not None for change in changes):
            t = f.terms
            new = o.funds.vaults.terms(
                cash_account=cash_account or t.cash_account, fee_account=fee_account or t.fee_account,
                subscription_fee_bps=t.subscription_fee_bps if subscription_fee_bps is None else subscription_fee_bps,
                redemption_fee_bps=t.redemption_fee_bps if redemption_fee_bps is None else redemption_fee_bps,
                max_nav_deviation_bps=t.max_nav_deviation_bps if max_nav_deviation_bps is None
                else max_nav_deviation_bps,
                max_nav_age=t.max_nav_age if max_nav_age_hours is None else max_nav_age_hours * HOUR,
                min_subscription=t.min_subscription if min_subscription is None else min_subscription,
                min_redemption=t.min_redemption if min_redemption is None else min_redemption, fund=fund,
            )  # fmt: skip
            f = o.funds.vaults.set_terms(o.signer(None), fund, new)
    data = _fund(o, f)
    _echo({"fund": data["fund"], "cutoff": data["cutoff"]} | data["terms"], as_json)


@app.command("subscribe")
def subscribe(fund: str, amount: Annotated[str, typer.Argument(help="In the settlement currency, fees included")],
              who: Annotated[str, INVESTOR], as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Request shares for cash, taken now; they deal at the NAV of the request's dealing day."""
    with reported():
        o = _open()
        position = o.funds.dealing.subscribe(o.signer(who), fund, amount)
    _echo(_position(o, position), as_json)


@app.command("redeem")
def redeem(fund: str, shares: Annotated[str, typer.Argument(help="Shares, e.g. 100.5")],
           who: Annotated[str, INVESTOR], as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Request a redemption: the shares are burnt now, the cash claimed once the dealing day is settled."""
    with reported():
        o = _open()
        position = o.funds.dealing.redeem(o.signer(who), fund, shares)
    _echo(_position(o, position), as_json)


@app.command("cancel")
def cancel(fund: str, side: Annotated[SideName, typer.Option(case_sensitive=False)], who: Annotated[str, INVESTOR],
           as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Cancel a pending request before its cut-off, and take back its cash (or have its shares re-issued)."""
    from rwakit.funds.dealing import Side

    with reported():
        o = _open()
        signer = o.signer(who)
        o.funds.dealing.cancel(signer, fund, Side(side.value))
        o.funds.dealing.claim_cancelled(signer, fund, Side(side.value))
        position = o.funds.dealing.position(fund, signer.address)
    _echo(_position(o, position), as_json)


@app.command("settle")
def settle(fund: str, day: Annotated[str | None, typer.Option(help="A date, e.g. 2026-12-05 (default: the last "
                                                                    "day whose cut-off passed)")] = None,
           who: Annotated[str | None, AS] = None, as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Deal a dealing day at the latest NAV (the manager signs)."""
    from rwakit.funds.models import parse_day

    with reported():
        o = _open()
        totals = o.funds.vaults.settle(o.signer(who), fund, None if day is None else parse_day(day))
    _echo(_day(o, fund, totals), as_json)


@app.command("claim")
def claim(fund: str, who: Annotated[str, INVESTOR],
          side: Annotated[SideName | None, typer.Option(case_sensitive=False, help="Default: every claim")] = None,
          amount: Annotated[str | None, typer.Option(help="Part of --side's claim: shares of a subscription, cash "
                                                          "of a redemption")] = None,
          as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """Claim settled requests: shares minted for subscriptions, cash paid for redemptions (and cancellations)."""
    from rwakit.funds.dealing import Side

    with reported():
        o = _open()
        signer = o.signer(who)
        if side is None:
            if amount is not None:
                raise InvalidInput("--amount claims part of one side: give --side too", code="side_required")
            claims = o.funds.dealing.claim_all(signer, fund)
        else:
            claims = [o.funds.dealing.claim(signer, fund, Side(side.value), amount)]
        position = o.funds.dealing.position(fund, signer.address)
    done = [{"claimed": c.what, "shares": o.shares(fund, c.shares), "cash": o.funds.cash.display(c.cash),
             "transaction": c.receipt["transactionHash"].to_0x_hex()} for c in claims]  # fmt: skip
    if as_json:
        typer.echo(json.dumps({"claims": done, "position": _position(o, position)}, indent=2))
        return
    for c in done:
        typer.echo(f"claimed {c['claimed']}: {c['shares']} shares, {c['cash']} {o.funds.cash.symbol} in "
                   f"{c['transaction']}")  # fmt: skip
    if not done:
        typer.echo("nothing to claim")


@app.command("show")
def show(fund: str, investor: Annotated[str | None, typer.Argument(help="An investor id or wallet")] = None,
         as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """An investor's requests and claims in a fund; without an investor, the fund: terms, NAV, its open
    dealing day and the last closed one."""
    with reported():
        o = _open()
        if investor is not None:
            data = {"fund": o.platform.assets.get(fund).symbol} | _position(o, o.funds.dealing.position(fund, investor))
        else:
            f = o.funds.vaults.get(fund)
            days = [_day(o, fund, o.funds.vaults.day(fund, d)) for d in (f.open_day, f.open_day - 1)]
            data = _fund(o, f) | {"open_day_totals": days[0], "last_closed_day": days[1]}
    _echo(data, as_json)


@app.command("days")
def days(fund: str, offset: Annotated[int, typer.Option(min=0, help="Skip this many days, oldest first")] = 0,
         as_json: Annotated[bool, JSON] = False) -> None:  # fmt: skip
    """The fund's dealing days from the index, oldest first: requests, and once settled the NAV, the shares
    bought, the cash refunded, the redemption cash and fees, and the dust the rounding kept."""
    from rwakit.cli.common import print_table, rich_table
    from rwakit.cli.indexed import caught_up
    from rwakit.indexer import fund_queries, queries

    with reported():
        engine, chain_id = caught_up(show_progress=not as_json)
        with queries.snapshot(engine) as connection:
            found = fund_queries.fund(connection, chain_id, fund)
            rows = fund_queries.days(connection, chain_id, found.vault, None, offset=offset)
    listed = [_indexed_day(found, row) for row in rows]
    if as_json:
        typer.echo(json.dumps({"fund": found.asset.symbol, "days": listed}, indent=2))
        return
    table = rich_table("day", ">NAV", ">subscribed", ">fees", ">shares", ">refunded", ">dust", ">redeemed",
                       ">paid", ">redemption fees", ">redemption dust", title=f"{found.asset.symbol} dealing days")
    for d in listed:
        table.add_row(d["day"], d["nav"] or "unsettled",
                      d["subscriptions"], d["subscription_fees"], d["shares"] or "", d["refunded"] or "",
                      d["dust"] or "", d["redemptions"], d["redemption_cash"] or "", d["redemption_fees"] or "",
                      d["redemption_dust"] or "")  # fmt: skip
    print_table(table)


def _indexed_day(fund: IndexedFund, row: dict[str, Any]) -> dict[str, Any]:
    """A dealing day of the index: what was requested, and once settled what it dealt (None before)."""
    from rwakit.funds.models import day_date
    from rwakit.indexer.fund_queries import NAV_DECIMALS
    from rwakit.units import format_units

    settled = row["settled_block"] is not None

    def once(show: Callable[[int], str], name: str) -> str | None:
        return show(int(row[name])) if settled else None

    return {
        "day": day_date(int(row["day"])).isoformat(), "settled": settled,
        "nav": once(lambda v: format_units(v, NAV_DECIMALS), "nav"),
        "subscriptions": fund.cash(row["deposit_assets"]), "subscription_fees": fund.cash(row["deposit_fees"]),
        "shares": once(fund.shares, "deposit_shares"), "refunded": once(fund.cash, "deposit_refunded"),
        "dust": once(fund.dust, "deposit_dust"), "redemptions": fund.shares(row["redeem_shares"]),
        "redemption_cash": once(fund.cash, "redeem_assets"), "redemption_fees": once(fund.cash, "redeem_fees"),
        "redemption_dust": once(fund.dust, "redeem_dust"),
    }  # fmt: skip
