"""Issuance with idempotency keys: a retried request returns the first result and never mints twice.

The key is rwakit.api.services.idempotency's; the chunks are sent, settled and reconciled by
rwakit.api.services.keyed_steps (both shared with the value-moving controls). The request is
validated before any row is written (asset, recipients, amounts and their decimals), so an invalid
one can be retried with the same key. The shares go out as one ``mint`` for a single issuance and
``batchMint`` chunks of ``issuance_chunk_size`` rows for a batch, each chunk all-or-nothing and
journalled under ``issuance:<id>/<chunk>``. The chunks are independent: a refused one does not stop
the others (``partial``), and if the chain fails before every chunk was sent the issuance is
``incomplete`` (503 ``issuance_incomplete``): a retry with the same key sends only the rest, and the
senders (rwakit.api.services.issuance_queue) send it once the chain answers if nobody retries.

A request sent with ``Prefer: respond-async``, and a batch of more than ``issuance_async_rows`` rows, is
validated the same way, committed ``queued`` and answered 202 with its status URL; a sender sends it.

A batch is checked before anything is written or queued: every row's recipient and amount, then what
the token would refuse (rwakit.tokenize.batch_checks, shared with the console's preview): a row its
rules refuse on its own (``detectTransferRestriction``, one batched read) and a row that passes alone
but not after the rows above it (the running total against the authorised shares, new holders against
the maximum, an investor's rows over all their wallets against the maximum balance). A batch with any
such row is refused whole (409 ``batch_ineligible``) without a transaction, so a chunked batch does not
end ``partial`` for a reason known before sending. Refusals list at most ``LISTED_ROWS`` rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, field_serializer, field_validator
from sqlmodel import Session
from web3.types import TxReceipt

from rwakit.api.deps import Principal
from rwakit.api.errors import Conflict
from rwakit.api.schemas.issuances import BatchIssuanceCreate, IssuanceCreate, IssuancePublic, RowStatus
from rwakit.api.services import idempotency
from rwakit.api.services.idempotency import Outcome
from rwakit.api.services.keyed_steps import Step, StepError, StepFaults, StepRun, StepStatus
from rwakit.chain.reads import Call, read
from rwakit.config import Settings
from rwakit.db.issuances import Issuance
from rwakit.db.keyed import RequestStatus
from rwakit.errors import ChainUnavailable, ContractRevert, InvalidInput, NotFound, RwakitError
from rwakit.platform import Platform
from rwakit.tokenize.audit import acting_as
from rwakit.tokenize.batch_checks import Mint, check_batch
from rwakit.units import format_units, investor_id_to_bytes32, to_base_units

LISTED_ROWS = 100  # rows named in a refusal: enough to act on, a small body for a 10,000-row batch
ROW_STATUS: dict[StepStatus, RowStatus] = {  # a row's status by its chunk's (not sent: a retry sends it)
    StepStatus.PENDING: "pending", StepStatus.NOT_SENT: "pending", StepStatus.DONE: "issued",
    StepStatus.REFUSED: "not_issued", StepStatus.IN_DOUBT: "in_doubt",
}  # fmt: skip


class Row(BaseModel):
    """One recipient of an issuance, as stored; its status and error follow its chunk's."""

    index: int
    to: str
    wallet: str
    amount: str
    base_units: str
    chunk: int
    status: RowStatus = "pending"
    error: StepError | None = None


class Chunk(Step):
    """One mint or batchMint transaction: rows first_row..last_row. Stored and answered as ``issued``
    once done."""

    index: int
    first_row: int
    last_row: int

    @field_validator("status", mode="before")
    @classmethod
    def _read_issued(cls, status: Any) -> Any:
        return StepStatus.DONE if status == "issued" else status

    @field_serializer("status")
    def _write_issued(self, status: StepStatus) -> str:
        return "issued" if status == StepStatus.DONE else status.value


class IssuanceResult(BaseModel):
    """The JSON kept in ``issuance.result``."""

    decimals: int = 0
    rows: list[Row] = []
    chunks: list[Chunk] = []
    reconciled: bool = False  # settled from the transaction log after an interruption

    def members(self, chunk: Chunk) -> list[Row]:
        return self.rows[chunk.first_row : chunk.last_row + 1]

    def rows_follow_chunks(self) -> None:
        """Each row takes its chunk's status; a refused chunk's error goes to the row its refusal
        names (or the only one), the others are told their chunk was refused."""
        for chunk in self.chunks:
            members = self.members(chunk)
            for member in members:
                member.status, member.error = ROW_STATUS[chunk.status], chunk.error
            error = chunk.error
            if chunk.status == StepStatus.REFUSED and error is not None and len(members) > 1:
                culprit = _culprit(error)
                told = StepError(
                    code="chunk_refused",
                    message=f"Not issued: its transaction (chunk {chunk.index}) was refused: {error.code}",
                )
                for member in members:
                    if member.wallet.lower() != culprit:
                        member.error = told


class IssuanceService:
    def __init__(
        self, *, session: Session, platform: Platform, settings: Settings, principal: Principal,
        faults: StepFaults | None = None, queued: Callable[[], None] = lambda: None,
    ) -> None:  # fmt: skip
        self.session = session
        self.platform = platform
        self.settings = settings
        self.principal = principal
        self.faults = faults
        self.queued = queued  # wakes this process's sender

    # -- the request ------------------------------------------------------------------------

    def issue(
        self, key: str | None, body: IssuanceCreate | BatchIssuanceCreate, *, respond_async: bool = False
    ) -> Outcome[IssuancePublic]:
        kind = "single" if isinstance(body, IssuanceCreate) else "batch"
        request_hash = _request_hash(kind, body)
        rows = 1 if isinstance(body, IssuanceCreate) else len(body.allocations)
        queue = respond_async or rows > self.settings.issuance_async_rows
        with acting_as(self.principal.actor):  # the maker, when a Safe holds the issuer role
            outcome = idempotency.run_once(
                self.session,
                key,
                request_hash,
                caller=self.principal,
                table=Issuance,
                lease_seconds=self.settings.issuance_lease_seconds,
                plan=lambda checked: self._plan(checked, kind, request_hash, body, queue),
                execute=lambda row: execute(self.session, self.platform, row, self.faults),
                replay=public,
                reconcile=lambda row: reconcile(self.session, self.platform, row),
            )
        if outcome.result.status == "queued":
            self.queued()
        return outcome

    # -- validation, before anything is written ----------------------------------------------

    def _plan(
        self, key: str, kind: str, request_hash: str, body: IssuanceCreate | BatchIssuanceCreate, queue: bool
    ) -> Issuance:
        allocations = (
            [(body.to, body.amount)]
            if isinstance(body, IssuanceCreate)
            else [(a.to, a.amount) for a in body.allocations]
        )
        if len(allocations) > self.settings.issuance_max_rows:
            raise InvalidInput(
                f"At most {self.settings.issuance_max_rows} rows per batch issuance",
                code="batch_too_large",
                limit=self.settings.issuance_max_rows,
            )
        size = self.settings.issuance_chunk_size
        if self.platform.deployment.safe is not None and len(allocations) > size:
            raise InvalidInput(
                f"A Safe holds the issuer role, so a batch issuance is one Safe transaction of at most {size} "
                "rows (RWAKIT_ISSUANCE_CHUNK_SIZE): split the batch into requests of that size",
                code="batch_exceeds_proposal",
                limit=size,
            )
        address = self.platform.assets.resolve(body.asset)
        w3 = self.platform.chain.w3
        symbol, decimals = read(w3, [Call(address, "symbol()", (), "string"), Call(address, "decimals()", (), "uint8")])
        wallets = self._wallets([to for to, _ in allocations])
        rows: list[Row] = []
        problems: list[dict[str, Any]] = []
        for index, (to, amount) in enumerate(allocations):
            try:
                wallet = wallets[to]
                if isinstance(wallet, RwakitError):
                    raise wallet
                units = to_base_units(amount, decimals)
                if units == 0:
                    raise InvalidInput("Amount must be greater than zero", code="invalid_amount")
            except RwakitError as exc:
                if kind == "single":
                    raise
                problems.append({"index": index, "to": to, "code": exc.code, "message": exc.message})
                continue
            rows.append(
                Row(index=index, to=to, wallet=wallet, amount=format_units(units, decimals), base_units=str(units),
                    chunk=index // size)
            )  # fmt: skip
        if problems:
            raise InvalidInput(
                f"{len(problems)} of {len(allocations)} rows are not valid; nothing was issued{_listed(problems)}",
                code="invalid_rows",
                invalid_rows=len(problems),
                rows=problems[:LISTED_ROWS],
            )
        if kind == "batch":
            self._check_eligible(address, rows, decimals)
        chunks = [
            Chunk(index=i, first_row=start, last_row=min(start + size, len(rows)) - 1)
            for i, start in enumerate(range(0, len(rows), size))
        ]
        return Issuance(
            idempotency_key=key,
            request_hash=request_hash,
            kind=kind,
            asset_symbol=symbol,
            asset_address=address,
            row_count=len(rows),
            api_key_prefix=self.principal.prefix,
            asynchronous=queue,
            status=RequestStatus.QUEUED if queue else RequestStatus.PENDING,
            result=IssuanceResult(decimals=decimals, rows=rows, chunks=chunks).model_dump(mode="json"),
        )

    def _check_eligible(self, asset: str, rows: list[Row], decimals: int) -> None:
        """Refuse the whole batch, sending nothing, if the token would refuse a row: on its own (the asset's
        rules) or after the rows above it (the authorised shares, maximum holders, maximum balance)."""
        mints = [Mint(row.wallet, int(row.base_units)) for row in rows]
        found = check_batch(self.platform.chain.w3, asset, self.platform.registry.address, mints, decimals)
        refused = [
            {"index": rows[i].index, "to": rows[i].to, "reason_code": r.reason_code, "reason": r.reason,
             "message": r.message}
            for i, r in found.items()
        ]  # fmt: skip
        if refused:
            raise Conflict(
                f"{len(refused)} of {len(rows)} rows would be refused by the asset's rules or limits; nothing was "
                f"sent{_listed(refused)}",
                code="batch_ineligible",
                refused_rows=len(refused),
                rows=refused[:LISTED_ROWS],
            )

    def _wallets(self, recipients: list[str]) -> dict[str, str | RwakitError]:
        """Each recipient's wallet: an address as given, an investor id's first registered wallet."""
        found: dict[str, str | RwakitError] = {to: to for to in recipients if to.lower().startswith("0x")}
        ids = sorted({to for to in recipients if to not in found})
        registry = self.platform.registry.address
        calls = [Call(registry, "walletsOf(bytes32)", (investor_id_to_bytes32(i),), "address[]") for i in ids]
        lists = read(self.platform.chain.w3, calls)
        for investor_id, wallets in zip(ids, lists, strict=True):
            found[investor_id] = (
                wallets[0]
                if wallets
                else NotFound(
                    f"No investor {investor_id!r} in the registry", code="investor_not_found", investor_id=investor_id
                )
            )
        return found


# -- minting ------------------------------------------------------------------------------------


def execute(session: Session, platform: Platform, row: Issuance, faults: StepFaults | None = None) -> IssuancePublic:
    """Send the chunks of a claimed issuance not sent yet and settle its row (for the request that claimed
    it, or a sender)."""
    result = IssuanceResult.model_validate(row.result)
    run = _run(session, row, result, faults)

    def mint(_index: int, chunk: Chunk) -> TxReceipt:
        members = result.members(chunk)
        try:
            if row.kind == "single":
                return platform.assets.issue(row.asset_address, members[0].wallet, int(members[0].base_units))
            allocations = [(m.wallet, int(m.base_units)) for m in members]
            return platform.assets.issue_batch(row.asset_address, allocations)
        except ContractRevert as exc:
            first, last = members[0], members[-1]
            exc.described_as(
                f"issue {first.amount} {row.asset_symbol} to {first.to}"
                if row.kind == "single"
                else f"issue {row.asset_symbol} to rows {first.index}-{last.index}"
            )
            raise

    failure = run.send(mint)
    if not run.finish(failure):
        if row.kind == "single" or not isinstance(failure, ContractRevert):
            assert failure is not None, "nothing was issued, so something failed"
            raise failure
        refused = [r.model_dump(mode="json", exclude={"base_units"}) for r in result.rows if r.error]
        raise Conflict(
            f"No row of the batch was issued: every transaction was refused{_listed(refused)}",
            code="batch_refused",
            refused_rows=len(refused),
            rows=refused[:LISTED_ROWS],
            chunks=[c.model_dump(mode="json") for c in result.chunks],
        )
    if row.status == RequestStatus.INCOMPLETE:
        raise _incomplete(row, result, failure)
    return public(row)


def _run(session: Session, row: Issuance, result: IssuanceResult, faults: StepFaults | None = None) -> StepRun[Chunk]:
    """The engine over an issuance's chunks: independent, so resumable; a single issuance's hash on its row."""

    def store() -> None:
        result.rows_follow_chunks()
        row.result = result.model_dump(mode="json")

    def answer(_status: RequestStatus) -> None:
        row.tx_hash = result.chunks[0].tx_hash if row.kind == "single" else None

    return StepRun(
        session, row, result.chunks, ref=lambda index: f"issuance:{row.id}/{index}", store=store, answer=answer,
        resumable=True, not_done="not_issued", faults=faults, kept=row.asynchronous,
    )  # fmt: skip


# -- reconciliation ---------------------------------------------------------------------------


def reconcile(session: Session, platform: Platform, row: Issuance) -> Issuance | None:
    """Settle an interrupted issuance from the journal (StepRun.reconcile); None when nothing was issued."""
    result = IssuanceResult.model_validate(row.result)
    result.reconciled = True
    return row if _run(session, row, result).reconcile(platform) else None


def reconcile_stale(session: Session, platform: Platform, lease_seconds: float) -> int:
    """Reconcile every pending or in-doubt issuance older than the lease (at startup); returns how many settled."""
    return idempotency.reconcile_stale(session, Issuance, lambda row: reconcile(session, platform, row), lease_seconds)


def _culprit(error: StepError) -> str | None:
    """The wallet a compliance refusal names as the receiver, in lower case."""
    extra = error.model_extra or {}
    to = extra.get("args", {}).get("to") if "reason_code" in extra else None
    return str(to).lower() if to else None


def _incomplete(row: Issuance, result: IssuanceResult, failure: Exception | None) -> ChainUnavailable:
    rows = result.rows
    issued = sum(r.status == "issued" for r in rows)
    remaining = sum(r.status == "pending" for r in rows)
    cause = getattr(failure, "code", None) or type(failure).__name__
    return ChainUnavailable(
        f"Issuance {row.id} is incomplete: {issued} of {len(rows)} rows were issued, then sending failed ({cause}) "
        f"and {remaining} were not sent. Retry with the same Idempotency-Key once the chain answers: only those "
        "rows are sent",
        code="issuance_incomplete",
        issuance_id=row.id,
        issued_rows=issued,
        remaining_rows=remaining,
    )


def _listed(rows: list[Any]) -> str:
    return f" (the first {LISTED_ROWS} are listed)" if len(rows) > LISTED_ROWS else ""


def public(row: Issuance) -> IssuancePublic:
    result = IssuanceResult.model_validate(row.result)
    return IssuancePublic(
        id=row.id or 0,
        idempotency_key=row.idempotency_key,
        kind=row.kind,
        status=row.status,
        asset=row.asset_symbol,
        asset_address=row.asset_address,
        issued_rows=sum(r.status == "issued" for r in result.rows),
        refused_rows=sum(r.status == "not_issued" for r in result.rows),
        tx_hash=row.tx_hash,
        block_number=max((c.block_number for c in result.chunks if c.block_number is not None), default=None),
        rows=[r.model_dump(mode="json", exclude={"base_units"}) for r in result.rows],
        chunks=[c.model_dump(mode="json") for c in result.chunks],
        reconciled=result.reconciled,
        asynchronous=row.asynchronous,
        created_at=row.created_at,
    )


def _request_hash(kind: str, body: IssuanceCreate | BatchIssuanceCreate) -> str:
    return idempotency.fingerprint(kind, body.model_dump(mode="json"))
