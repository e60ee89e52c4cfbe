"""A fund's value-moving requests over HTTP: the admin opens its vault, sets its terms and confirms NAVs, the
issuer publishes NAVs and settles dealing days (the platform's signer acts, as the vault's admin, valuer and
manager: a vault opened over HTTP names it all three; when a Safe holds the platform's roles that signer is the
Safe's proposer, and these requests answer 202 approval_pending as issuances do), and investors subscribe,
redeem, cancel and claim through their custodial wallets (the platform's custody signs; an investor key only for
its own wallets).

Each request is one transaction and takes an idempotency key, with the money leg's machinery
(rwakit.api.services.settlement): one row per key in ``settlement_request`` (operation ``fund_*``, so
that a fund's keys live with the money leg's and ``settlement_in_doubt`` names an interrupted one), the
transaction journalled under ``fund:<key prefix>/<id>/0``; a retry with the same key and body returns the
first answer and sends nothing again, and a request interrupted after sending is settled from the journal.
A subscription's cash allowance is journalled apart (``/approve``, before the step) and an opening's
follow-ups (the asset's issuer role for the vault, the cash account's approval) after it (``/complete``):
each only sets again what it set, and an opening cut short before them is completed by opening again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session
from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.runtime import Runtime
from rwakit.api.schemas.common import to_datetime
from rwakit.api.schemas.fund_dealing import (
    ClaimDealt,
    DayPublic,
    DealingPublic,
    DealingStep,
    FundSide,
    NavCreate,
    NavPublic,
    PositionPublic,
    Redeem,
    Subscribe,
    TermsPublic,
    TermsUpdate,
    VaultCreate,
    VaultPublic,
)
from rwakit.api.services.custody import Custody
from rwakit.api.services.idempotency import Outcome
from rwakit.api.services.keyed_steps import Step, StepFaults, StepRun
from rwakit.api.services.settlement import NoBody, Reply, once_per_key, one_step_run, own_signer, sent
from rwakit.chain.signer import Signer
from rwakit.db.journal import journal_ref
from rwakit.db.settlement import SettlementRequest
from rwakit.errors import NotFound
from rwakit.funds.dealing import Side
from rwakit.funds.models import Fund, Nav, Position, Terms, day_date, format_cutoff, format_nav, iso_time, parse_day
from rwakit.funds.services import Funds
from rwakit.funds.vaults import Order
from rwakit.platform import Platform

CREATED = ("fund_open_vault", "fund_publish_nav")  # answered 201; every operation is fund_*, see settlement.reconcile


class FundStep(Step):
    """The one transaction of a fund's keyed request, as stored, with what its answer needs."""

    fund: str  # the fund's symbol
    wallet: str | None = None  # an investor's request: the wallet (controller) it is for
    what: str = ""  # Order.what
    shares: str = "0"  # base units, as strings
    cash: str = "0"


@dataclass
class Planned:
    """A request checked and ready: its one transaction, what prepares it and what completes it."""

    step: FundStep
    target: int | None  # a NAV id, a dealing day
    send: Callable[[], TxReceipt]
    approve: Callable[[], None] | None = None
    complete: Callable[[], object] | None = None


class FundDesk:
    """One API caller's value-moving fund requests, once per idempotency key; routes call one method each."""

    def __init__(self, *, session: Session, runtime: Runtime, principal: Principal,
                 custody: Custody | None = None) -> None:  # fmt: skip
        self.session = session
        self.runtime = runtime
        self.platform = runtime.platform
        self.principal = principal
        self.custody = custody
        self.funds = Funds.open(self.platform)

    # -- the fund's staff: admin, valuer, manager (the platform's signer) ----------------------------

    def open_vault(self, fund: str, data: VaultCreate, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            vaults, signer = self.funds.vaults, self.platform.signer
            symbol = self.platform.assets.get(fund).symbol  # 404 asset_not_found
            try:
                grant = vaults.granting(symbol)  # a vault whose opening was cut short: completed now
            except NotFound as exc:
                if exc.code != "no_vault":
                    raise
                grant = None
            terms = self._terms(data, symbol)
            order = grant or vaults.opening(signer.address, symbol, terms, initial_nav=data.initial_nav,
                                            cutoff=data.cutoff, zone=data.zone)  # fmt: skip
            return self._staff(symbol, order, complete=lambda: vaults.complete_opening(signer, symbol))

        return self._once(key, "fund_open_vault", fund, data, plan)

    def set_terms(self, fund: str, data: TermsUpdate, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            symbol = self._vault_fund(fund)
            return self._staff(symbol, self.funds.vaults.terms_setting(symbol, self._terms(data, symbol)))

        return self._once(key, "fund_set_terms", fund, data, plan)

    def publish_nav(self, fund: str, data: NavCreate, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            symbol = self._vault_fund(fund)
            valued_at = None if data.valued_at is None else _seconds(data.valued_at)
            return self._staff(symbol, self.funds.vaults.publication(symbol, data.nav, valued_at=valued_at))

        return self._once(key, "fund_publish_nav", fund, data, plan)

    def confirm_nav(self, fund: str, nav_id: int, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            symbol = self._vault_fund(fund)
            self.funds.vaults.nav(symbol, nav_id)  # 404 nav_not_found before anything is sent
            return self._staff(symbol, self.funds.vaults.confirmation(symbol, nav_id), target=nav_id)

        return self._once(key, "fund_confirm_nav", fund, NoBody(), plan, {"nav_id": str(nav_id)})

    def settle_day(self, fund: str, day: str, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            symbol, number = self._vault_fund(fund), parse_day(day)
            return self._staff(symbol, self.funds.vaults.settlement(symbol, number), target=number)

        return self._once(key, "fund_settle_day", fund, NoBody(), plan, {"day": day})

    # -- investors (their custodial wallets sign) -------------------------------------------------

    def subscribe(self, fund: str, data: Subscribe, key: str | None) -> Outcome[Reply]:
        dealing = self.funds.dealing
        return self._dealing(key, "fund_subscribe", fund, data,
                             lambda symbol: dealing.subscription(data.wallet, symbol, data.amount))  # fmt: skip

    def redeem(self, fund: str, data: Redeem, key: str | None) -> Outcome[Reply]:
        dealing = self.funds.dealing
        return self._dealing(key, "fund_redeem", fund, data,
                             lambda symbol: dealing.redemption(data.wallet, symbol, data.shares))  # fmt: skip

    def cancel(self, fund: str, side: FundSide, data: DealingStep, key: str | None) -> Outcome[Reply]:
        dealing, which = self.funds.dealing, _side(side)
        return self._dealing(key, f"fund_cancel_{which}", fund, data,
                             lambda symbol: dealing.cancellation(data.wallet, symbol, which))  # fmt: skip

    def claim_cancelled(self, fund: str, side: FundSide, data: DealingStep, key: str | None) -> Outcome[Reply]:
        dealing, which = self.funds.dealing, _side(side)
        return self._dealing(key, f"fund_claim_cancelled_{which}", fund, data,
                             lambda symbol: dealing.cancelled_claim(data.wallet, symbol, which))  # fmt: skip

    def claim(self, fund: str, side: FundSide, data: ClaimDealt, key: str | None) -> Outcome[Reply]:
        dealing, which, amount = self.funds.dealing, _side(side), data.amount
        return self._dealing(key, f"fund_claim_{which}", fund, data,
                             lambda symbol: dealing.settled_claim(data.wallet, symbol, which, amount))  # fmt: skip

    # -- helpers ------------------------------------------------------------------------------------

    def _dealing(self, key: str | None, operation: str, fund: str, data: DealingStep | Subscribe | Redeem,
                 build: Callable[[str], Order]) -> Outcome[Reply]:  # fmt: skip
        def plan() -> Planned:
            symbol = self._vault_fund(fund)
            signer = self._own_signer(data.wallet)  # 403 forbidden_wallet, 422 wallet_not_custodial
            order = build(symbol)
            step = FundStep(fund=symbol, wallet=data.wallet, what=order.what, shares=str(order.shares),
                            cash=str(order.cash))  # fmt: skip
            approve = (lambda: self.funds.dealing.approve(signer, order)) if order.allowance else None
            return Planned(step, None, lambda: self.funds.dealing.send(signer, order), approve)

        return self._once(key, operation, fund, data, plan)

    def _staff(self, fund: str, order: Order, *, target: int | None = None,
               complete: Callable[[], object] | None = None) -> Planned:  # fmt: skip
        signer = self.platform.signer
        return Planned(FundStep(fund=fund, what=order.what), target, lambda: self.funds.vaults.send(signer, order),
                       complete=complete)  # fmt: skip

    def _terms(self, data: TermsUpdate, fund: str) -> Terms:
        return self.funds.vaults.terms(
            cash_account=data.cash_account, fee_account=data.fee_account,
            subscription_fee_bps=data.subscription_fee_bps, redemption_fee_bps=data.redemption_fee_bps,
            max_nav_deviation_bps=data.max_nav_deviation_bps, max_nav_age=data.max_nav_age_seconds,
            min_subscription=data.min_subscription, min_redemption=data.min_redemption, fund=fund,
        )  # fmt: skip

    def _vault_fund(self, fund: str) -> str:
        """The fund's symbol, once it has a vault (404 no_vault)."""
        return self.funds.vaults.get(fund).symbol

    def _own_signer(self, wallet: str) -> Signer:
        assert self.custody is not None, "investors' requests are signed by custody"
        return own_signer(self.session, self.platform, self.custody, self.principal, wallet)

    def _once(self, key: str | None, operation: str, fund: str, data: BaseModel, plans: Callable[[], Planned],
              path: dict[str, str] | None = None) -> Outcome[Reply]:  # fmt: skip
        """Run one request once per key, as SettlementDesk does: plan (check, write nothing), claim the key,
        approve under the step's reference + ``/approve``, send the step, complete under ``/complete``."""
        planned: list[Planned] = []

        def plan() -> tuple[int | None, Step]:
            planned[:] = [plans()]
            return planned[0].target, planned[0].step

        where = {"fund": fund, **(path or {})}
        return once_per_key(self.session, self.runtime, self.principal, key, operation,
                            {"path": where, "body": data.model_dump(mode="json")}, plan,
                            execute=lambda row: self._execute(row, planned[0]),
                            reconcile=lambda row: reconcile(self.session, self.platform, row))  # fmt: skip

    def _execute(self, row: SettlementRequest, planned: Planned) -> Reply:
        def perform(index: int, _step: FundStep) -> TxReceipt:
            if planned.approve is not None:
                with journal_ref(f"{step_ref(row, index)}/approve"):
                    planned.approve()
            receipt = planned.send()
            if planned.complete is not None:
                with journal_ref(f"{step_ref(row, index)}/complete"):
                    planned.complete()
            return receipt

        return sent(_run(self.session, self.platform, row, self.funds, self.runtime.faults), perform, row)


# -- keyed requests: answers and reconciliation ---------------------------------------------------


def step_ref(row: SettlementRequest, index: int) -> str:
    """The journal reference of a fund request's transaction."""
    return f"fund:{row.api_key_prefix}/{row.id}/{index}"


def reconcile(session: Session, platform: Platform, row: SettlementRequest) -> SettlementRequest | None:
    """Settle an interrupted fund request from the journal (StepRun.reconcile); None when nothing was done."""
    return row if _run(session, platform, row, Funds.open(platform)).reconcile(platform) else None


def _run(session: Session, platform: Platform, row: SettlementRequest, funds: Funds,
         faults: StepFaults | None = None) -> StepRun[FundStep]:  # fmt: skip
    return one_step_run(session, row, FundStep, ref=lambda index: step_ref(row, index),
                        answer=lambda step: _answer(platform, funds, row, step), faults=faults)  # fmt: skip


def _answer(platform: Platform, funds: Funds, row: SettlementRequest, step: FundStep) -> Reply:
    """What a request whose transaction was mined answers, from its receipt and the chain now."""
    vaults, op = funds.vaults, row.operation
    body: BaseModel
    if op in ("fund_open_vault", "fund_set_terms"):
        body = vault_public(platform, funds, vaults.get(step.fund))
    elif op == "fund_publish_nav":
        receipt = platform.chain.w3.eth.get_transaction_receipt(step.tx_hash)  # type: ignore[arg-type]
        body = nav_public(vaults.published(step.fund, receipt))
    elif op == "fund_confirm_nav":
        assert row.target is not None, "a confirmation names its NAV"
        body = nav_public(vaults.nav(step.fund, row.target))
    elif op == "fund_settle_day":
        assert row.target is not None, "a settlement names its day"
        body = day_public(platform, funds, step.fund, row.target)
    else:
        assert step.wallet is not None and step.tx_hash and step.block_number is not None, "an investor's mined step"
        asset, cash = platform.assets.get(step.fund), funds.cash
        position = position_public(platform, funds, funds.dealing.position(step.fund, step.wallet))
        body = DealingPublic(action=step.what, shares=asset.display(int(step.shares)),
                             cash=cash.display(int(step.cash)), tx_hash=step.tx_hash,
                             block_number=step.block_number, position=position)  # fmt: skip
    return {"status_code": 201 if op in CREATED else 200, "body": body.model_dump(mode="json")}


def vault_public(platform: Platform, funds: Funds, fund: Fund) -> VaultPublic:
    asset, cash, t = platform.assets.get(fund.asset), funds.cash, fund.terms
    terms = TermsPublic(cash_account=t.cash_account, fee_account=t.fee_account,
                        subscription_fee_bps=t.subscription_fee_bps, redemption_fee_bps=t.redemption_fee_bps,
                        max_nav_deviation_bps=t.max_nav_deviation_bps, max_nav_age_seconds=t.max_nav_age,
                        min_subscription=cash.display(t.min_subscription),
                        min_redemption=asset.display(t.min_redemption))  # fmt: skip
    return VaultPublic(fund=fund.symbol, asset=fund.asset, vault=fund.vault, currency=cash.symbol,
                       cutoff=format_cutoff(fund.cutoff), open_day=day_date(fund.open_day).isoformat(), terms=terms,
                       latest_nav=nav_public(fund.latest_nav), nav_usable=fund.nav_usable)  # fmt: skip


def nav_public(nav: Nav) -> NavPublic:
    return NavPublic(id=nav.id, nav=nav.display, valued_at=iso_time(nav.valuation_time),
                     published_at=iso_time(nav.published_at), status=nav.status.label)  # fmt: skip


def day_public(platform: Platform, funds: Funds, fund: str, day: int) -> DayPublic:
    totals, asset, cash = funds.vaults.day(fund, day), platform.assets.get(fund), funds.cash
    return DayPublic(fund=asset.symbol, day=day_date(day).isoformat(),
                     subscription_cash=cash.display(totals.subscription_cash),
                     subscription_fees=cash.display(totals.subscription_fees),
                     redemption_shares=asset.display(totals.redemption_shares),
                     nav=format_nav(totals.nav) if totals.settled else None)  # fmt: skip


def position_public(platform: Platform, funds: Funds, p: Position) -> PositionPublic:
    shares, cash = platform.assets.get(p.fund).display, funds.cash.display
    return PositionPublic(
        fund=platform.assets.get(p.fund).symbol, wallet=p.wallet, shares=shares(p.shares),
        pending_subscription=cash(p.pending_subscription),
        subscription_day=day_date(p.subscription_day).isoformat() if p.pending_subscription else None,
        claimable_subscription=cash(p.claimable_subscription), claimable_shares=shares(p.claimable_shares),
        cancelled_subscription=cash(p.cancelled_subscription), refunded_subscription=cash(p.refunded_subscription),
        pending_redemption=shares(p.pending_redemption),
        redemption_day=day_date(p.redemption_day).isoformat() if p.pending_redemption else None,
        claimable_redemption=shares(p.claimable_redemption), claimable_cash=cash(p.claimable_cash),
        cancelled_redemption=shares(p.cancelled_redemption),
    )  # fmt: skip


def _side(side: FundSide) -> Side:
    return Side.SUBSCRIPTION if side is FundSide.SUBSCRIPTIONS else Side.REDEMPTION


def _seconds(moment: datetime | date) -> int:
    return int(to_datetime(moment).timestamp())
