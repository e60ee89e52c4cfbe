"""Trades and distributions over HTTP: investors act through their custodial wallets (the platform's
custody signs), the issuer creates and reclaims distributions (the operator signs), and anyone with a
key may send a holder's claim (the coins go to the holder's wallet). Registers of holders come from the
read model (the index), once it has passed the record block.

Every request that sends a transaction takes an idempotency key, with the issuances' and controls'
machinery (rwakit.api.services.idempotency, rwakit.api.services.keyed_steps): a retry with the same key
and body returns the first answer (``Idempotent-Replayed: true``) and sends nothing again; a request
interrupted after its transaction was sent is settled from the journal (409 ``settlement_in_doubt``
while the transaction's outcome is unknown), never sent twice. Each request has one step, the
transaction that moves value (an investor's claim: one per leaf, sent in order); the approval that
prepares it is journalled apart (an allowance set to what the signer's live trades need: sending it
again sets the same value), so an interruption before the step leaves no row and frees the key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session
from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.errors import Forbidden, error_body
from rwakit.api.runtime import Runtime
from rwakit.api.schemas.settlement import (
    ClaimablePublic,
    ClaimCreate,
    DistributionCreate,
    DistributionPublic,
    TradeCreate,
    TradeMatch,
    TradePublic,
    TradeStep,
)
from rwakit.api.services import idempotency
from rwakit.api.services.custody import Custody, custodial_signer
from rwakit.api.services.idempotency import Outcome
from rwakit.api.services.keyed_steps import S, Step, StepFaults, StepRun
from rwakit.chain.signer import Signer
from rwakit.db.journal import journal_ref
from rwakit.db.keyed import RequestStatus
from rwakit.db.settlement import SettlementRequest, step_ref
from rwakit.errors import ContractRevert, InvalidInput
from rwakit.platform import Platform
from rwakit.settlement.distributions import Distribution, one_record
from rwakit.settlement.register import IndexRegister
from rwakit.settlement.services import Settlement
from rwakit.settlement.trades import ZERO_ADDRESS, Trade, TradeStatus

DAY = 24 * 3600
Reply = dict[str, Any]  # what a keyed request answered: {"status_code": ..., "body": ...}
CREATED = ("propose_trade", "create_distribution")  # answered 201


class SettlementStep(Step):
    """The one transaction of a keyed money-leg request, as stored."""

    wallet: str | None = None  # a claim's leaf: its holder of record's wallet (the answer lists every step's leaf)


@dataclass
class Planned:
    """A request checked and ready: its approval (if any), its transaction (an investor's claim: one per leaf)
    and what follows it."""

    target: int | None  # the trade or distribution acted on; None: one the transaction creates
    send: Callable[[int], TxReceipt]  # step i's transaction
    approve: Callable[[], None] | None = None
    after: Callable[[], object] | None = None  # once the transaction is mined: lower what it left approved
    wallets: Sequence[str] = ()  # a claim: one step per leaf, each its holder of record's wallet


class SettlementDesk:
    """The money leg's value-moving requests of one API caller, once per idempotency key; routes call
    one method each."""

    def __init__(self, *, session: Session, runtime: Runtime, principal: Principal,
                 custody: Custody | None = None) -> None:  # fmt: skip
        self.session = session
        self.runtime = runtime
        self.platform = runtime.platform
        self.principal = principal
        self.custody = custody
        self.money = Settlement.open(self.platform)

    # -- trades ---------------------------------------------------------------------------

    def propose(self, data: TradeCreate, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            trades = self.money.trades
            signer = self._own_signer(data.wallet)
            terms = trades.terms(asset=data.asset, counterparty=data.counterparty, quantity=data.quantity,
                                 price=data.price, expires_in=data.expires_in_seconds,
                                 as_seller=data.side == "sell")  # fmt: skip
            return Planned(None, lambda _: trades.send_propose(signer, terms), lambda: trades.approve(signer, terms))

        return self._once(key, "propose_trade", {}, data, plan)

    def step(self, trade_id: int, data: TradeStep, action: str, key: str | None) -> Outcome[Reply]:
        """accept, settle or cancel trade `trade_id`, signed by the caller's custodial wallet `data.wallet`."""

        def plan() -> Planned:
            trades = self.money.trades
            trade = trades.get(trade_id)  # 404 before anything else
            signer = self._own_signer(data.wallet)
            if action != "accept":  # a cancel, or a settlement the asset refuses, leaves a leg to un-approve
                return Planned(trade.id, lambda _: trades.send_step(signer, action, trade_id),
                               after=lambda: trades.after_step(signer, trade))  # fmt: skip
            accepted = trades.check_acceptance(trade_id)  # compliance and the buyer's cash, before anything is sent
            return Planned(trade.id, lambda _: trades.send_step(signer, action, trade_id),
                           lambda: trades.approve_acceptance(signer, accepted))  # fmt: skip

        return self._once(key, f"{action}_trade", {"trade_id": str(trade_id)}, data, plan)

    def match(self, sell_id: int, data: TradeMatch, key: str | None) -> Outcome[Reply]:
        """The OTC desk (the operator, which holds OTC_DESK_ROLE) matches sell proposal `sell_id` with buy
        proposal `data.buy_id`: the sell proposal becomes the accepted trade, the buy proposal ends cancelled."""

        def plan() -> Planned:
            trades = self.money.trades
            trades.get(sell_id), trades.get(data.buy_id)  # 404 before anything else
            desk = self.platform.chain.operator
            return Planned(sell_id, lambda _: trades.send_match(desk, sell_id, data.buy_id))

        return self._once(key, "match_trades", {"trade_id": str(sell_id)}, data, plan)

    # -- distributions --------------------------------------------------------------------

    def create_distribution(self, data: DistributionCreate, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            one_record(data.record_block, data.record_date)
            latest = self.platform.chain.w3.eth.block_number
            record: int | None = None
            if data.record_date is not None:  # the index, once it has every block the chain has now, dates it
                found = indexed(self.runtime, self.platform, latest).distributions
            else:
                record = latest - 1 if data.record_block is None else data.record_block
                if not 0 <= record < latest:
                    raise InvalidInput(f"The record block must be mined and before the latest ({latest}), not {record}",
                                       code="invalid_record_block")  # fmt: skip
                found = indexed(self.runtime, self.platform, record).distributions
            operator = self.platform.chain.operator
            funding = found.plan(data.asset, data.amount, deadline_in=data.deadline_days * DAY, record_block=record,
                                 record_date=data.record_date, uri=data.uri)  # fmt: skip
            return Planned(None, lambda _: found.send_create(operator, funding),
                           lambda: found.approve(operator, funding))  # fmt: skip

        return self._once(key, "create_distribution", {}, data, plan)

    def claim(self, distribution_id: int, data: ClaimCreate, key: str | None) -> Outcome[Reply]:
        """Pay each leaf of `data.wallet` (a wallet, or every wallet of an investor id) not paid yet, one
        transaction (step) per leaf, in index order."""

        def plan() -> Planned:
            found = self._indexed_for(distribution_id).distributions
            for wallet in found.wallets(data.wallet):
                _ensure_own(self.platform, self.principal, wallet)
            leaves = found.to_claim(distribution_id, data.wallet)  # 404 not_a_holder_of_record: nothing sent
            operator = self.platform.chain.operator
            return Planned(distribution_id, lambda i: found.send_claim(operator, leaves[i]),
                           wallets=[leaf.wallet for leaf in leaves])  # fmt: skip

        return self._once(key, "claim", {"distribution_id": str(distribution_id)}, data, plan)

    def reclaim(self, distribution_id: int, key: str | None) -> Outcome[Reply]:
        def plan() -> Planned:
            distributions = self.money.distributions
            distributions.get(distribution_id)
            operator = self.platform.chain.operator
            return Planned(distribution_id, lambda _: distributions.reclaim(operator, distribution_id))

        return self._once(key, "reclaim", {"distribution_id": str(distribution_id)}, NoBody(), plan)

    # -- helpers --------------------------------------------------------------------------

    def _once(self, key: str | None, operation: str, path: dict[str, str], data: BaseModel,
              plans: Callable[[], Planned]) -> Outcome[Reply]:  # fmt: skip
        """Run one request once per key: plan (check, write nothing), claim the key, approve under the
        step's reference + ``/approve``, send the step under its reference, record the answer."""
        planned: list[Planned] = []

        def plan() -> tuple[int | None, list[Step]]:
            planned[:] = [plans()]
            wallets = planned[0].wallets
            return planned[0].target, [SettlementStep(wallet=wallet) for wallet in wallets] or [SettlementStep()]

        return once_per_key(self.session, self.runtime, self.principal, key, operation,
                            {"path": path, "body": data.model_dump(mode="json")}, plan,
                            execute=lambda row: self._execute(row, planned[0]),
                            reconcile=lambda row: reconcile(self.session, self.platform, row))  # fmt: skip

    def _execute(self, row: SettlementRequest, planned: Planned) -> Reply:
        def perform(index: int, _step: SettlementStep) -> TxReceipt:
            if planned.approve is not None:
                with journal_ref(f"{step_ref(row, index)}/approve"):
                    planned.approve()
            receipt = planned.send(index)
            if planned.after is not None:
                with journal_ref(f"{step_ref(row, index)}/release"):
                    planned.after()
            return receipt

        return sent(_run(self.session, self.platform, row, self.money, self.runtime.faults), perform, row)

    def _indexed_for(self, distribution_id: int) -> Settlement:
        return indexed(self.runtime, self.platform, self.money.distributions.get(distribution_id).record_block)

    def _own_signer(self, wallet: str) -> Signer:
        assert self.custody is not None, "trades are signed by custody"
        return own_signer(self.session, self.platform, self.custody, self.principal, wallet)


class NoBody(BaseModel):
    """A request without a body (a reclaim): its fingerprint is its path."""


# -- keyed requests: answers and reconciliation -------------------------------------------------


def reconcile(session: Session, platform: Platform, row: SettlementRequest) -> SettlementRequest | None:
    """Settle an interrupted request from the journal (StepRun.reconcile); None when nothing was done. A fund's
    request (rwakit.api.services.fund_dealing) shares the table, not the journal references or answers."""
    if row.operation.startswith("fund_"):
        from rwakit.api.services import fund_dealing  # it builds on this module

        return fund_dealing.reconcile(session, platform, row)
    return row if _run(session, platform, row, Settlement.open(platform)).reconcile(platform) else None


def reconcile_stale(session: Session, platform: Platform, lease_seconds: float) -> int:
    """Reconcile every in-doubt money-leg request, and every pending one older than the lease (at startup)."""
    return idempotency.reconcile_stale(
        session, SettlementRequest, lambda row: reconcile(session, platform, row), lease_seconds
    )


def one_step_run(session: Session, row: SettlementRequest, model: type[S], *, ref: Callable[[int], str],
                 answer: Callable[[S], Reply], faults: StepFaults | None = None) -> StepRun[S]:  # fmt: skip
    """The run of a settlement_request row (a money-leg or fund request: one transaction, not resumable),
    its answer built by `answer` from its step once mined."""
    steps = [model.model_validate(step) for step in row.steps]

    def store() -> None:
        row.steps = [step.model_dump(mode="json") for step in steps]

    def answered(_status: RequestStatus) -> None:
        row.response = answer(steps[0])

    return StepRun(session, row, steps, ref=ref, store=store, answer=answered, resumable=False, not_done="not_done",
                   faults=faults)  # fmt: skip


def once_per_key(session: Session, runtime: Runtime, principal: Principal, key: str | None, operation: str,
                 request: dict[str, Any], plans: Callable[[], tuple[int | None, Step | list[Step]]], *,
                 execute: Callable[[SettlementRequest], Reply],
                 reconcile: Callable[[SettlementRequest], SettlementRequest | None]) -> Outcome[Reply]:  # fmt: skip
    """A settlement_request (a money-leg or fund request) run once per key: `plans()` checks it, writing
    nothing, and gives its target and its step (or steps: a claim's leaves); the row is claimed, then
    `execute(row)` sends."""
    request_hash = idempotency.fingerprint(operation, request)

    def plan(checked: str) -> SettlementRequest:
        target, step = plans()
        steps = step if isinstance(step, list) else [step]
        return SettlementRequest(idempotency_key=checked, request_hash=request_hash, operation=operation,
                                 target=target, api_key_prefix=principal.prefix,
                                 steps=[s.model_dump(mode="json") for s in steps])  # fmt: skip

    return idempotency.run_once(session, key, request_hash, caller=principal, table=SettlementRequest,
                                lease_seconds=runtime.settings.issuance_lease_seconds, plan=plan, execute=execute,
                                replay=stored_answer, reconcile=reconcile)  # fmt: skip


def sent(run: StepRun[S], perform: Callable[[int, S], TxReceipt], row: SettlementRequest) -> Reply:
    """Send the run's step with `perform` and answer as stored; a failure that left nothing done is raised."""
    failure = run.send(perform)
    if not run.finish(failure):
        assert failure is not None, "nothing was done, so something failed"
        raise failure
    return stored_answer(row)


def stored_answer(row: SettlementRequest) -> Reply:
    assert row.response is not None, "a finished request has its answer"
    return row.response


def _run(session: Session, platform: Platform, row: SettlementRequest, money: Settlement,
         faults: StepFaults | None = None) -> StepRun[SettlementStep]:  # fmt: skip
    return one_step_run(session, row, SettlementStep, ref=lambda index: step_ref(row, index),
                        answer=lambda step: _answer(platform, money, row, step), faults=faults)  # fmt: skip


def _answer(platform: Platform, money: Settlement, row: SettlementRequest, step: SettlementStep) -> Reply:
    """What a request whose transaction was mined answers, from that transaction's receipt and the chain
    now: the trade or distribution (201 when it created one); a settlement whose shares leg the asset
    refused answers the refusal (409, the buyer refunded), as the first request did."""
    def receipt() -> TxReceipt:
        return platform.chain.w3.eth.get_transaction_receipt(step.tx_hash)  # type: ignore[arg-type]

    body: BaseModel
    if row.operation == "propose_trade":
        body = trade_public(money, platform, money.trades.proposed(receipt()))
    elif row.operation == "create_distribution":
        body = distribution_public(money, platform, money.distributions.created(receipt()))
    elif row.operation == "claim":  # every leaf the request sent a claim for, paid or not (a refused one)
        assert row.target is not None, "a claim names its distribution"
        wallets = [str(SettlementStep.model_validate(s).wallet) for s in row.steps]
        return {"status_code": 200, "body": [c.model_dump(mode="json") for c in _claims(money, row.target, wallets)]}
    elif row.operation == "reclaim":
        assert row.target is not None, "a reclaim names its distribution"
        body = distribution_public(money, platform, money.distributions.get(row.target))
    else:
        assert row.target is not None, "a trade's step names its trade"
        if row.operation == "settle_trade":
            try:
                money.trades.check_settled(receipt(), row.target)
            except ContractRevert as refused:
                status, error = error_body(refused)
                return {"status_code": status, "body": error}
        body = trade_public(money, platform, money.trades.get(row.target))
    return {"status_code": 201 if row.operation in CREATED else 200, "body": body.model_dump(mode="json")}


def trade_public(money: Settlement, platform: Platform, trade: Trade) -> TradePublic:
    asset = platform.assets.get(trade.asset)
    return TradePublic(
        id=trade.id,
        status=trade.status.label,
        asset=asset.symbol,
        seller=trade.seller,
        buyer=None if trade.buyer == ZERO_ADDRESS else trade.buyer,
        quantity=asset.display(trade.quantity),
        price=money.cash.display(trade.price),
        currency=money.cash.symbol,
        fee_bps=trade.fee_bps,
        expiry=trade.expiry,
    )


def trades(platform: Platform, status: TradeStatus | None) -> list[TradePublic]:
    money = Settlement.open(platform)
    return [trade_public(money, platform, t) for t in money.trades.list(status)]


def distribution_public(money: Settlement, platform: Platform, d: Distribution) -> DistributionPublic:
    show = money.cash.display
    return DistributionPublic(
        id=d.id, asset=platform.assets.get(d.asset).symbol, record_block=d.record_block, root="0x" + d.root.hex(),
        currency=money.cash.symbol, amount=show(d.amount), allocated=show(d.allocated), remainder=show(d.remainder),
        claimed=show(d.claimed), deadline=d.deadline, uri=d.uri,
    )  # fmt: skip


def indexed(runtime: Runtime, platform: Platform, record_block: int) -> Settlement:
    """The money leg reading registers from the read model, once the index has passed `record_block`
    (503 index_behind if it does not within api_read_wait_seconds)."""
    runtime.reads.ready(platform, record_block)
    return Settlement.open(platform, IndexRegister(runtime.engine, platform.deployment.chain_id))


def claimable(
    *, runtime: Runtime, platform: Platform, principal: Principal, distribution_id: int, holder: str
) -> list[ClaimablePublic]:
    """The leaves of `holder` (a wallet, or every wallet registered to an investor id now)."""
    money = indexed(runtime, platform, Settlement.open(platform).distributions.get(distribution_id).record_block)
    wallets = money.distributions.wallets(holder)
    for wallet in wallets:
        _ensure_own(platform, principal, wallet)
    return _claims(money, distribution_id, wallets)


def _claims(money: Settlement, distribution_id: int, wallets: Sequence[str]) -> list[ClaimablePublic]:
    leaves = money.distributions.holdings(distribution_id, wallets)
    return [ClaimablePublic(distribution=c.distribution, index=c.index, wallet=c.wallet,
                            amount=money.cash.display(c.amount), proof=["0x" + p.hex() for p in c.proof],
                            claimed=c.claimed) for c in leaves]  # fmt: skip


def own_signer(session: Session, platform: Platform, custody: Custody, principal: Principal, wallet: str) -> Signer:
    _ensure_own(platform, principal, wallet)
    return custodial_signer(session, custody, wallet)


def _ensure_own(platform: Platform, principal: Principal, wallet: str) -> None:
    if principal.is_staff:
        return
    if platform.registry.investor_of(wallet) != principal.investor_id:
        raise Forbidden(f"{wallet} is not a wallet of investor {principal.investor_id}", code="forbidden_wallet")
