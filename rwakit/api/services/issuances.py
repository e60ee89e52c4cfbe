"""Issuance with idempotency keys: a retried request returns the first result and never mints twice.

The steps of one request (the key handling is rwakit.api.services.idempotency's, shared with the
value-moving controls):

1. The key is looked up. Known with another body: 422 ``idempotency_key_reused``. Known and
   finished: the stored result is returned again. Known and still running: 409
   ``idempotency_key_in_progress`` (an interrupted one is first reconciled, see below).
2. The request is validated without writing anything (asset, recipients, amounts and their
   decimals); an invalid request leaves no row, and can be retried with the same key.
3. A ``pending`` row is committed; the unique key makes a concurrent duplicate lose here.
4. The shares are minted: one ``mint`` for a single issuance, ``batchMint`` chunks of
   ``issuance_chunk_size`` rows for a batch, each chunk all-or-nothing. Every transaction is
   journalled in ``tx_log`` under ``issuance:<id>/<chunk>`` before it is broadcast. Progress is
   committed after each chunk.
5. If nothing was minted (every transaction refused), the row is deleted: a row exists only for
   shares that were (or may have been) issued. If a transaction was broadcast but its outcome is
   unknown (the node went away, no receipt), the row stays ``in_doubt`` and its key answers 409
   until a later request (or startup) reconciles it from the journal's transaction hashes. If the
   chain failed after some chunks were issued and before the rest were sent, the row is
   ``incomplete`` (503 ``issuance_incomplete``): a retry with the same key sends only the rest.

A batch is checked before anything is written: every row's recipient and amount, then every row's
eligibility as the token's ``detectTransferRestriction`` sees it (one batched read), so a batch the
rules would refuse row by row is refused whole (409 ``batch_ineligible``) without a transaction.
Refusals list at most ``LISTED_ROWS`` rows.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from rwakit.api.deps import Principal
from rwakit.api.errors import Conflict, error_body
from rwakit.api.schemas.issuances import BatchIssuanceCreate, IssuanceCreate, IssuancePublic
from rwakit.api.services import idempotency
from rwakit.api.services.idempotency import Outcome, broadcast_unresolved, settle
from rwakit.chain.reads import Call, read
from rwakit.config import Settings
from rwakit.contracts.restrictions import Restriction
from rwakit.db import idempotency as store
from rwakit.db.idempotency import INCOMPLETE
from rwakit.db.issuances import Issuance
from rwakit.db.journal import journal_ref, records_for
from rwakit.errors import ChainUnavailable, ComplianceError, ContractRevert, InvalidInput, NotFound, RwakitError
from rwakit.platform import Platform
from rwakit.units import format_units, investor_id_to_bytes32, to_base_units

LISTED_ROWS = 100  # rows named in a refusal: enough to act on, a small body for a 10,000-row batch
ZERO_ADDRESS = "0x" + "00" * 20
UNSENT = ("pending", "not_sent")  # chunk statuses still to send (a resumed request sends these only)


class IssuanceService:
    def __init__(self, *, session: Session, platform: Platform, settings: Settings, principal: Principal) -> None:
        self.session = session
        self.platform = platform
        self.settings = settings
        self.principal = principal

    # -- the request ------------------------------------------------------------------------

    def issue(self, key: str | None, body: IssuanceCreate | BatchIssuanceCreate) -> Outcome[IssuancePublic]:
        kind = "single" if isinstance(body, IssuanceCreate) else "batch"
        request_hash = _request_hash(kind, body)
        return idempotency.run_once(
            self.session,
            key,
            request_hash,
            table=Issuance,
            lease_seconds=self.settings.issuance_lease_seconds,
            plan=lambda checked: self._plan(checked, kind, request_hash, body),
            execute=self._execute,
            replay=public,
            reconcile=lambda row: reconcile(self.session, self.platform, row),
        )

    # -- validation, before anything is written ----------------------------------------------

    def _plan(self, key: str, kind: str, request_hash: str, body: IssuanceCreate | BatchIssuanceCreate) -> Issuance:
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
        address = self.platform.assets.resolve(body.asset)
        w3 = self.platform.chain.w3
        symbol, decimals = read(w3, [Call(address, "symbol()", (), "string"), Call(address, "decimals()", (), "uint8")])
        wallets = self._wallets([to for to, _ in allocations])
        rows: list[dict[str, Any]] = []
        problems: list[dict[str, Any]] = []
        size = self.settings.issuance_chunk_size
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
                {
                    "index": index,
                    "to": to,
                    "wallet": wallet,
                    "amount": format_units(units, decimals),
                    "base_units": str(units),
                    "chunk": index // size,
                    "status": "pending",
                    "error": None,
                }
            )
        if problems:
            raise InvalidInput(
                f"{len(problems)} of {len(allocations)} rows are not valid; nothing was issued{_listed(problems)}",
                code="invalid_rows",
                invalid_rows=len(problems),
                rows=problems[:LISTED_ROWS],
            )
        if kind == "batch":
            self._check_eligible(address, rows)
        chunks = [
            {
                "index": i,
                "first_row": start,
                "last_row": min(start + size, len(rows)) - 1,
                "status": "pending",
                "tx_hash": None,
                "block_number": None,
                "gas_used": None,
                "error": None,
            }
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
            result={"decimals": decimals, "rows": rows, "chunks": chunks, "reconciled": False},
        )

    def _check_eligible(self, asset: str, rows: list[dict[str, Any]]) -> None:
        """Refuse the whole batch, sending nothing, if the asset's rules would refuse a row on its own."""
        signature = "detectTransferRestriction(address,address,uint256)"
        calls = [Call(asset, signature, (ZERO_ADDRESS, r["wallet"], int(r["base_units"])), "uint8") for r in rows]
        refused = []
        for row, code in zip(rows, read(self.platform.chain.w3, calls), strict=True):
            if code:
                reason = Restriction.parse(code)
                name = reason.reason if isinstance(reason, Restriction) else f"code_{code}"
                refused.append({"index": row["index"], "to": row["to"], "reason_code": code, "reason": name})
        if refused:
            raise Conflict(
                f"{len(refused)} of {len(rows)} rows would be refused by the asset's rules; nothing was "
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

    # -- minting ------------------------------------------------------------------------------

    def _execute(self, row: Issuance) -> IssuancePublic:
        result = json.loads(json.dumps(row.result))
        rows, chunks = result["rows"], result["chunks"]
        failure: Exception | None = None
        for chunk in chunks:
            if chunk["status"] not in UNSENT:
                continue  # issued or refused before this request resumed the issuance
            members = rows[chunk["first_row"] : chunk["last_row"] + 1]
            ref = f"issuance:{row.id}/{chunk['index']}"
            try:
                with journal_ref(ref):
                    if row.kind == "single":
                        receipt = self.platform.assets.issue(
                            row.asset_address, members[0]["wallet"], int(members[0]["base_units"])
                        )
                    else:
                        allocations = [(m["wallet"], int(m["base_units"])) for m in members]
                        receipt = self.platform.assets.issue_batch(row.asset_address, allocations)
            except ContractRevert as exc:  # refused: at estimation (nothing signed) or mined and reverted
                first, last = members[0], members[-1]
                exc.described_as(
                    f"issue {first['amount']} {row.asset_symbol} to {first['to']}"
                    if row.kind == "single"
                    else f"issue {row.asset_symbol} to rows {first['index']}-{last['index']}"
                )
                _refuse(chunk, members, exc)
                if row.kind == "single":
                    failure = exc
            except Exception as exc:  # the chain or the database failed: was anything broadcast?
                failure = exc
                if broadcast_unresolved(records_for(self.session, ref)):
                    _mark(chunk, members, "in_doubt", {"code": "in_doubt", "message": str(exc)})
                else:
                    for rest in chunks[chunk["index"] :]:
                        if rest["status"] in UNSENT:
                            _mark(
                                rest,
                                rows[rest["first_row"] : rest["last_row"] + 1],
                                "not_sent",
                                {"code": getattr(exc, "code", "not_sent"), "message": f"Not sent: {exc}"},
                            )
                break
            else:
                chunk.update(
                    status="issued",
                    tx_hash=receipt["transactionHash"].to_0x_hex(),
                    block_number=receipt["blockNumber"],
                    gas_used=receipt["gasUsed"],
                    error=None,
                )
                for member in members:
                    member.update(status="issued", error=None)
            self._save_progress(row, result)
        return self._finish(row, result, failure)

    def _save_progress(self, row: Issuance, result: dict[str, Any]) -> None:
        row.result = json.loads(json.dumps(result))
        store.save(self.session, row)

    def _finish(self, row: Issuance, result: dict[str, Any], failure: Exception | None) -> IssuancePublic:
        chunks = result["chunks"]
        if any(c["status"] == "in_doubt" for c in chunks):
            row.status = "in_doubt"
            self._save_progress(row, result)
            assert failure is not None
            raise failure
        issued = [c for c in chunks if c["status"] == "issued"]
        if not issued:
            store.delete(self.session, row)  # nothing happened on chain: no row
            if failure is not None:
                raise failure
            refused = [r for r in result["rows"] if r["error"]]
            raise Conflict(
                f"No row of the batch was issued: every transaction was refused{_listed(refused)}",
                code="batch_refused",
                refused_rows=len(refused),
                rows=refused[:LISTED_ROWS],
                chunks=chunks,
            )
        _settle_status(row, chunks)
        self._save_progress(row, result)
        if row.status == INCOMPLETE:
            raise _incomplete(row, failure)
        return public(row)


# -- reconciliation ---------------------------------------------------------------------------


def reconcile(session: Session, platform: Platform, row: Issuance) -> Issuance | None:
    """Settle an interrupted issuance from its journalled transactions and their receipts.

    Returns the settled row, or None when nothing was issued (the row is then deleted). Raises 409
    ``issuance_in_doubt`` while a transaction's outcome cannot be known yet.
    """
    result = json.loads(json.dumps(row.result))
    rows, chunks = result["rows"], result["chunks"]
    unresolved = []
    for chunk in chunks:
        if chunk["status"] not in ("pending", "in_doubt"):
            continue
        members = rows[chunk["first_row"] : chunk["last_row"] + 1]
        outcome = settle(session, platform, records_for(session, f"issuance:{row.id}/{chunk['index']}"))
        if outcome is None:
            unresolved.append(chunk["index"])
            _mark(chunk, members, "in_doubt", {"code": "in_doubt", "message": "Broadcast, outcome not known yet"})
        elif outcome[0] == "mined" and outcome[1] is not None:
            mined = outcome[1]
            chunk.update(
                status="issued",
                tx_hash=mined.tx_hash,
                block_number=mined.block_number,
                gas_used=mined.gas_used,
                error=None,
            )
            for member in members:
                member.update(status="issued", error=None)
        else:
            _mark(
                chunk,
                members,
                outcome[0],
                {"code": "not_issued", "message": f"Not issued ({outcome[0]}) before an interruption"},
            )
    result["reconciled"] = True
    row.result = result
    if unresolved:
        row.status = "in_doubt"
        store.save(session, row)
        hashes = [r.tx_hash for c in unresolved for r in records_for(session, f"issuance:{row.id}/{c}") if r.tx_hash]
        raise idempotency.in_doubt(row, hashes)
    if not any(c["status"] == "issued" for c in chunks):
        store.delete(session, row)
        return None
    _settle_status(row, chunks)
    store.save(session, row)
    return row


def reconcile_stale(session: Session, platform: Platform, lease_seconds: float) -> int:
    """Reconcile every pending or in-doubt issuance older than the lease (at startup); returns how many settled."""
    return idempotency.reconcile_stale(session, Issuance, lambda row: reconcile(session, platform, row), lease_seconds)


def _refuse(chunk: dict[str, Any], members: list[dict[str, Any]], exc: ContractRevert) -> None:
    _status, body = error_body(exc)
    culprit = exc.args_by_name.get("to") if isinstance(exc, ComplianceError) else None
    chunk.update(status="refused", error=body)
    for member in members:
        if len(members) == 1 or (culprit is not None and member["wallet"].lower() == str(culprit).lower()):
            member.update(status="not_issued", error=body)
        else:
            member.update(
                status="not_issued",
                error={
                    "code": "chunk_refused",
                    "message": f"Not issued: its transaction (chunk {chunk['index']}) was refused: {body['code']}",
                },
            )


def _settle_status(row: Issuance, chunks: list[dict[str, Any]]) -> None:
    """The status of an issuance with at least one chunk issued and none in doubt."""
    issued = [c for c in chunks if c["status"] == "issued"]
    if any(c["status"] in UNSENT for c in chunks):
        row.status = INCOMPLETE
    else:
        row.status = "completed" if len(issued) == len(chunks) else "partial"
    row.tx_hash = issued[0]["tx_hash"] if row.kind == "single" else None


def _incomplete(row: Issuance, failure: Exception | None) -> ChainUnavailable:
    rows = row.result["rows"]
    issued = sum(r["status"] == "issued" for r in rows)
    remaining = sum(r["status"] == "pending" for r in rows)
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


def _listed(rows: list[dict[str, Any]]) -> str:
    return f" (the first {LISTED_ROWS} are listed)" if len(rows) > LISTED_ROWS else ""


def _mark(chunk: dict[str, Any], members: list[dict[str, Any]], status: str, error: dict[str, Any]) -> None:
    chunk.update(status=status, error=error)
    row_status = {"in_doubt": "in_doubt", "not_sent": "pending"}.get(status, "not_issued")
    for member in members:
        member.update(status=row_status, error=error)


def public(row: Issuance) -> IssuancePublic:
    result = row.result
    rows = result.get("rows", [])
    chunks = result.get("chunks", [])
    return IssuancePublic(
        id=row.id or 0,
        idempotency_key=row.idempotency_key,
        kind=row.kind,
        status=row.status,
        asset=row.asset_symbol,
        asset_address=row.asset_address,
        issued_rows=sum(r["status"] == "issued" for r in rows),
        refused_rows=sum(r["status"] == "not_issued" for r in rows),
        tx_hash=row.tx_hash,
        block_number=max((c["block_number"] for c in chunks if c.get("block_number") is not None), default=None),
        rows=[{k: v for k, v in r.items() if k != "base_units"} for r in rows],
        chunks=chunks,
        reconciled=bool(result.get("reconciled")),
        created_at=row.created_at,
    )


def _request_hash(kind: str, body: IssuanceCreate | BatchIssuanceCreate) -> str:
    return idempotency.fingerprint(kind, body.model_dump(mode="json"))
