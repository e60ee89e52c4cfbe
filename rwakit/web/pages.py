"""The dashboard's pages and its sign-in endpoints, under /web: server-rendered Jinja2 templates that
read through the same services and read model as the API (rwakit.api.services, the index).

Investor portal: /web/sign-in (the wallet signs an EIP-4361 message in the page), then holdings (funds
valued at their NAV), transfer history, trades, fund dealing and income (claims sent by the wallet) and
documents. Issuer console: /web/console/sign-in (a staff API key, or an issuer's wallet by the same
EIP-4361 sign-in), then assets, a cap table as of a date with its chart, issuance by CSV, funds' dealing
days (a closed day settled), the Safe's approval queue, distributions, the audit trail and KYC expiring.
The sign-in endpoints are rate-limited per client address (rwakit.web.limits). Scripts, styles and Chart.js are
served from the app (Chart.js from node_modules, pinned in package-lock.json): nothing comes from a
CDN, and the Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from web3 import Web3

from rwakit.api.deps import MAX_ROW_ID, MinBlock, Principal, RuntimeDep, SessionDep, as_of_read, fresh_read
from rwakit.api.errors import Forbidden, error_body, error_response
from rwakit.api.runtime import Runtime
from rwakit.api.schemas.issuances import Allocation, BatchIssuanceCreate
from rwakit.api.schemas.proposals import ProposalPublic
from rwakit.api.services import assets as assets_service
from rwakit.api.services import audit as audit_service
from rwakit.api.services import holdings as holdings_service
from rwakit.api.services import investors as investors_service
from rwakit.api.services import settlement as settlement_service
from rwakit.api.services.fund_dealing import FundDesk
from rwakit.api.services.issuances import IssuanceService
from rwakit.contracts.compiler import PACKAGE_ROOT
from rwakit.custody.models import ProposalStatus
from rwakit.db.clock import utcnow
from rwakit.db.keys import Role, authenticate
from rwakit.db.web import NonceState, end_session, issue_nonce, open_session, spend_nonce
from rwakit.errors import InvalidInput, RwakitError
from rwakit.indexer import fund_queries, queries
from rwakit.indexer.exports import ExportFormat
from rwakit.indexer.fund_queries import IndexedFund
from rwakit.indexer.queries import snapshot
from rwakit.settlement.services import Settlement
from rwakit.tokenize.audit import TrailFilter
from rwakit.units import from_timestamp
from rwakit.web import siwe
from rwakit.web.auth import (
    CONSOLE,
    COOKIE,
    NONCE_LIFETIME,
    PORTAL,
    SESSION_LIFETIME,
    CurrentSession,
    InvestorViewer,
    SignInRequired,
    StaffViewer,
    clear_session_cookie,
    holds_issuer_role,
    investor_of_wallet,
    same_origin,
    set_session_cookie,
    site,
)
from rwakit.web.funds import dealing_days, dealing_requests, fund_values, latest_navs
from rwakit.web.income import incomes
from rwakit.web.issuance import one_row, preview
from rwakit.web.limits import RateLimited, RateLimiter, limited

HERE = FilePath(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["utc_date"] = lambda seconds: from_timestamp(seconds).date().isoformat()
templates.env.filters["utc_time"] = lambda seconds: from_timestamp(seconds).strftime("%Y-%m-%d %H:%M")
# npm files the pages load, by the name they are served under (package-lock.json pins them); the map is
# the one the script's sourceMappingURL names, which a browser's developer tools ask for.
VENDOR = {
    "chart.umd.min.js": FilePath("chart.js/dist/chart.umd.min.js"),
    "chart.umd.min.js.map": FilePath("chart.js/dist/chart.umd.min.js.map"),
}
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
MAX_FORM_FIELDS = 10  # the console's forms have at most 3
STATEMENT = "Sign in to the rwakit investor portal. This request costs no gas and sends no transaction."
CONSOLE_STATEMENT = "Sign in to the rwakit issuer console. This request costs no gas and sends no transaction."
# The message's URI says what it signs in to: an investor's portal or the issuer console (signed, so a
# portal sign-in's signature cannot open the console).
SIGN_IN_PATH, CONSOLE_SIGN_IN_PATH = "/web/sign-in", f"{CONSOLE}/sign-in"

router = APIRouter(prefix="/web", include_in_schema=False, dependencies=[Depends(same_origin)])


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # pages show one person's data
    return response


async def form_fields(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body's fields (the first value of each)."""
    body = (await request.body()).decode()  # UTF-8: the body guard checked it
    try:
        fields = parse_qs(body, max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise InvalidInput(f"A form has at most {MAX_FORM_FIELDS} fields", code="invalid_form") from None
    return {name: values[0] for name, values in fields.items()}


Form = Annotated[dict[str, str], Depends(form_fields)]


# -- home and static files ----------------------------------------------------------------------


@router.get("/")
def home(request: Request, found: CurrentSession) -> Response:
    return page(request, "home.html", signed_in=found)


@router.get("/vendor/{name}")
def vendor(name: str) -> Response:
    relative = VENDOR.get(name)
    if relative is None:
        raise HTTPException(404, f"No vendored file {name!r}")
    path = PACKAGE_ROOT / "node_modules" / relative
    if not path.is_file():
        raise HTTPException(404, f"{relative} is missing from node_modules: run `make deps` (npm ci)")
    media_type = "application/json" if name.endswith(".map") else None  # else guessed from the name
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


# -- Sign-In with Ethereum ----------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request, runtime: RuntimeDep) -> Response:
    return page(request, "sign_in.html", chain_id=runtime.platform.deployment.chain_id)


class MessageRequest(BaseModel):
    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="The wallet's address")
    chain_id: int = Field(ge=1, le=2**53 - 1, description="The chain the wallet is on (eth_chainId)")
    console: bool = Field(False, description="Sign in to the issuer console (an issuer's wallet), not the portal")


class VerifyRequest(BaseModel):
    message: str = Field(max_length=siwe.MAX_MESSAGE)
    signature: str = Field(max_length=200)


@router.post("/siwe/message", dependencies=[Depends(limited)])
def siwe_message(body: MessageRequest, request: Request, session: SessionDep, runtime: RuntimeDep) -> dict[str, str]:
    """A sign-in message for the wallet to sign, with a fresh single-use nonce."""
    chain_id = runtime.platform.deployment.chain_id
    if body.chain_id != chain_id:
        raise siwe.SiweRefused(
            f"Your wallet is on chain {body.chain_id}; this platform runs on chain {chain_id}: switch networks",
            code="siwe_wrong_chain",
            chain_id=chain_id,
        )
    nonce = issue_nonce(session, NONCE_LIFETIME)
    domain, origin = site(request)
    message = siwe.SiweMessage(
        domain=domain,
        address=Web3.to_checksum_address(body.address),
        uri=origin + (CONSOLE_SIGN_IN_PATH if body.console else SIGN_IN_PATH),
        chain_id=chain_id,
        nonce=nonce.nonce,
        issued_at=nonce.created_at,
        statement=CONSOLE_STATEMENT if body.console else STATEMENT,
        expiration_time=nonce.expires_at,
    )
    return {"message": message.text()}


@router.post("/siwe/verify", dependencies=[Depends(limited)])
def siwe_verify(body: VerifyRequest, request: Request, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Check the signed message (domain, URI, chain, times, signer), spend its nonce, and open a session:
    for the investor the wallet is registered to, or (a message to the console's sign-in) for an issuer's
    wallet."""
    message = siwe.parse(body.message)
    domain, origin = site(request)
    platform = runtime.platform
    chain_id = platform.deployment.chain_id
    siwe.check(message, body.message, body.signature, domain=domain, origin=origin, chain_id=chain_id,
               now=utcnow(), max_age=NONCE_LIFETIME)  # fmt: skip
    spent = spend_nonce(session, message.nonce)
    if spent is not NonceState.SPENT:
        reasons = {
            NonceState.UNKNOWN: ("This sign-in's nonce was not issued here: sign in again", "siwe_unknown_nonce"),
            NonceState.USED: ("This signed message was used already: sign in again", "siwe_nonce_used"),
            NonceState.EXPIRED: ("This sign-in's nonce has expired: sign in again", "siwe_nonce_expired"),
        }
        text, code = reasons[spent]
        raise siwe.SiweRefused(text, code=code)
    if urlsplit(message.uri).path == CONSOLE_SIGN_IN_PATH:
        return _issuer_session(request, session, runtime, message.address)
    runtime.reads.ready(platform, None)  # the index has every registration this API made
    investor_id = investor_of_wallet(runtime.engine, chain_id, message.address)
    if investor_id is None:
        raise Forbidden(
            f"{message.address} is not registered to any investor on this platform",
            code="wallet_not_registered",
            next=f"/web/not-registered?wallet={message.address}",
        )
    token = open_session(session, role=Role.INVESTOR.value, lifetime=SESSION_LIFETIME, investor_id=investor_id,
                         wallet=message.address)  # fmt: skip
    response = JSONResponse({"investor_id": investor_id, "wallet": message.address, "next": PORTAL})
    set_session_cookie(response, request, token)
    return response


def _issuer_session(request: Request, session: SessionDep, runtime: Runtime, wallet: str) -> Response:
    if not holds_issuer_role(runtime, wallet):
        raise Forbidden(f"{wallet} does not hold this platform's issuer role: sign in with a staff API key, or "
                        "ask an admin to grant the wallet the role", code="wallet_not_issuer")  # fmt: skip
    token = open_session(session, role=Role.ISSUER.value, lifetime=SESSION_LIFETIME, wallet=wallet)
    response = JSONResponse({"wallet": wallet, "role": Role.ISSUER.value, "next": CONSOLE})
    set_session_cookie(response, request, token)
    return response


@router.get("/not-registered")
def not_registered(request: Request, wallet: Annotated[str, Query(max_length=42)] = "") -> Response:
    return page(request, "not_registered.html", status_code=403, wallet=wallet)


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        end_session(session, token)
    response = RedirectResponse("/web/", status_code=303)
    clear_session_cookie(response)
    return response


# -- investor portal ----------------------------------------------------------------------------


@router.get("/portal")
def portal(request: Request, viewer: InvestorViewer, runtime: RuntimeDep, session: SessionDep) -> Response:
    read = fresh_read(runtime)
    held = holdings_service.holdings(read=read, investor_id=viewer.investor_id)
    names = {a.address: a.name for a in assets_service.list_assets(session=session, read=read)}
    values = fund_values(runtime, held)
    return page(request, "portal.html", viewer=viewer, holdings=held, names=names, values=values, tab="holdings")


@router.get("/portal/dealing")
def portal_dealing(
    request: Request, viewer: InvestorViewer, runtime: RuntimeDep, min_block: MinBlock = None
) -> Response:
    """The investor's subscriptions and redemptions pending, claimable or cancelled, fund by fund; the wallet
    they signed in with claims its own (the vault's controller is the wallet that asked). After a claim the
    page's script reloads it with the claim's block as `min_block`, so it shows the index past the claim."""
    read = fresh_read(runtime, min_block)
    with snapshot(read.engine) as connection:
        wallets = queries.investor_wallets(connection, read.chain_id, viewer.investor_id)
    found = dealing_requests(runtime, wallets, viewer.wallet)
    chain_id = runtime.platform.deployment.chain_id
    return page(request, "dealing.html", viewer=viewer, requests=found, chain_id=chain_id, tab="dealing")


@router.get("/portal/transfers")
def portal_transfers(request: Request, viewer: InvestorViewer, runtime: RuntimeDep) -> Response:
    read = fresh_read(runtime)
    history = holdings_service.history(read=read, investor_id=viewer.investor_id, offset=0, limit=queries.MAX_PAGE)
    return page(request, "transfers.html", viewer=viewer, history=history, tab="transfers")


@router.get("/portal/income")
def portal_income(request: Request, viewer: InvestorViewer, runtime: RuntimeDep) -> Response:
    read = fresh_read(runtime)
    with snapshot(read.engine) as connection:
        wallets = queries.investor_wallets(connection, read.chain_id, viewer.investor_id)
    now = int(runtime.platform.chain.w3.eth.get_block("latest")["timestamp"])
    rows = incomes(runtime, wallets, now)
    chain_id = runtime.platform.deployment.chain_id
    return page(request, "income.html", viewer=viewer, incomes=rows, chain_id=chain_id, tab="income")


@router.get("/portal/trades")
def portal_trades(request: Request, viewer: InvestorViewer, runtime: RuntimeDep) -> Response:
    """The money leg's trades (delivery versus payment) the investor's wallets sell or buy in, newest first."""
    read = fresh_read(runtime)
    with snapshot(read.engine) as connection:
        mine = {w.lower() for w in queries.investor_wallets(connection, read.chain_id, viewer.investor_id)}
    platform = runtime.platform
    listed = [] if platform.deployment.distributor is None else settlement_service.trades(platform, None)
    own = [t for t in reversed(listed) if t.seller.lower() in mine or (t.buyer or "").lower() in mine]
    return page(request, "trades.html", viewer=viewer, trades=own, mine=mine, tab="trades")


@router.get("/portal/documents")
def portal_documents(request: Request, viewer: InvestorViewer, runtime: RuntimeDep) -> Response:
    read = fresh_read(runtime)
    documents = []
    with snapshot(read.engine) as connection:
        for found in queries.assets(connection, read.chain_id):
            for key, doc in queries.settings(connection, read.chain_id, found.address).get("document", {}).items():
                documents.append({"symbol": found.symbol, "asset": found.name, "name": _document_name(key), **doc})
    return page(request, "documents.html", viewer=viewer, documents=documents, tab="documents")


def _document_name(key: str) -> str:
    """An ERC-1643 document's bytes32 name as text (its hex when it is not text)."""
    raw = bytes.fromhex(key.removeprefix("0x")).rstrip(b"\0")
    try:
        return raw.decode() if raw.isascii() and raw.decode().isprintable() else key
    except UnicodeDecodeError:
        return key


# -- issuer console -----------------------------------------------------------------------------


@router.get("/console/sign-in")
def console_sign_in_page(request: Request) -> Response:
    return page(request, "console_sign_in.html")


@router.post("/console/sign-in", dependencies=[Depends(limited)])
def console_sign_in(request: Request, form: Form, session: SessionDep) -> Response:
    key = authenticate(session, form.get("api_key", "").strip())
    if key is None:
        return page(request, "console_sign_in.html", status_code=401,
                    error="That API key is unknown or revoked: check it, or ask an admin for a new one.")  # fmt: skip
    if key.role == Role.INVESTOR.value:
        return page(request, "console_sign_in.html", status_code=403,
                    error="An investor key cannot open the console: investors sign in with their wallet.")  # fmt: skip
    token = open_session(session, role=key.role, lifetime=SESSION_LIFETIME, api_key_prefix=key.prefix)
    response = RedirectResponse(CONSOLE, status_code=303)
    set_session_cookie(response, request, token)
    return response


@router.get("/console")
def console(request: Request, staff: StaffViewer, runtime: RuntimeDep, session: SessionDep) -> Response:
    listed = assets_service.list_assets(session=session, read=fresh_read(runtime))
    return page(request, "console.html", staff=staff, assets=listed, tab="assets")


@router.get("/console/assets/{symbol}")
def console_cap_table(
    request: Request,
    symbol: Annotated[str, Path(max_length=42)],
    staff: StaffViewer,
    runtime: RuntimeDep,
    at: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    read = as_of_read(runtime, at=at or None)
    table = json.loads(bytes(assets_service.cap_table(read=read, asset=symbol).body))
    chart = {"labels": [e["investor_id"] or "(unregistered)" for e in table["entries"]],
             "amounts": [float(e["amount"]) for e in table["entries"]]}  # fmt: skip
    return page(request, "cap_table.html", staff=staff, table=table, chart=chart, at=at or "", tab="assets")


def _is_issuer(staff: Principal) -> bool:
    return staff.role in (Role.ISSUER, Role.ADMIN)


def _ensure_issuer(staff: Principal, what: str = "Issuing shares") -> None:
    if not _is_issuer(staff):
        raise Forbidden(f"{what} needs an issuer or admin key; this is a {staff.role.value} key",
                        role=staff.role.value)  # fmt: skip


@router.get("/console/issue")
def console_issue_page(request: Request, staff: StaffViewer, runtime: RuntimeDep, session: SessionDep) -> Response:
    _ensure_issuer(staff)
    listed = assets_service.list_assets(session=session, read=fresh_read(runtime))
    return page(request, "issue.html", staff=staff, assets=listed, tab="issue")


@router.post("/console/issue/preview")
def console_issue_preview(request: Request, form: Form, staff: StaffViewer, runtime: RuntimeDep) -> Response:
    """Every row checked, nothing sent; a clean preview offers the issuance under a fresh idempotency key.
    The form for one investor (`one_investor`, `to`, `amount`) is previewed, then issued, as a one-row CSV."""
    _ensure_issuer(staff)
    asset, text = form.get("asset", ""), form.get("csv", "")
    if "one_investor" in form:  # a marker: form_fields drops the blank `to` and `amount` of a half-filled form
        if text:
            raise InvalidInput("Send CSV rows or one investor and amount, not both", code="invalid_form")
        text = one_row(form.get("to", ""), form.get("amount", ""))
    checked = preview(runtime.platform, asset, text, runtime.settings.issuance_max_rows)
    return page(request, "issue_preview.html", staff=staff, preview=checked, asset=asset, csv=text,
                key=uuid.uuid4().hex, tab="issue")  # fmt: skip


@router.post("/console/issue")
def console_issue(
    request: Request, form: Form, staff: StaffViewer, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """Check again (the registry may have changed since the preview), then issue through the API's service;
    the same form sent twice (the key) issues once."""
    _ensure_issuer(staff)
    asset, text, key = form.get("asset", ""), form.get("csv", ""), form.get("idempotency_key", "")
    checked = preview(runtime.platform, asset, text, runtime.settings.issuance_max_rows)
    if checked.refused:
        return page(request, "issue_preview.html", status_code=409, staff=staff, preview=checked, asset=asset,
                    csv=text, key=uuid.uuid4().hex, tab="issue")  # fmt: skip
    allocations = [Allocation(to=row.wallet or row.to, amount=row.amount) for row in checked.rows]
    body = BatchIssuanceCreate(asset=checked.symbol, allocations=allocations)
    service = IssuanceService(session=session, platform=runtime.platform, settings=runtime.settings,
                              principal=staff, faults=runtime.faults)  # fmt: skip
    outcome = service.issue(key, body)
    return page(request, "issue_result.html", staff=staff, issuance=outcome.result, replayed=outcome.replayed,
                tab="issue")  # fmt: skip


@router.get("/console/distributions")
def console_distributions(request: Request, staff: StaffViewer, runtime: RuntimeDep) -> Response:
    """Income distributions, newest first: what each set out to pay, allocated, claimed, until when."""
    platform = runtime.platform
    found = []
    if platform.deployment.distributor is not None:
        money = Settlement.open(platform)
        found = [settlement_service.distribution_public(money, platform, d) for d in money.distributions.list()]
    return page(request, "distributions.html", staff=staff, distributions=found[::-1], tab="distributions")


@router.get("/console/assets/{symbol}/register")
def console_register(
    symbol: Annotated[str, Path(max_length=42)],
    _: StaffViewer,
    runtime: RuntimeDep,
    format: Annotated[ExportFormat, Query()] = ExportFormat.CSV,
    at: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The register of holders as a file, as the API's GET /assets/{asset}/register gives it."""
    return assets_service.register(read=as_of_read(runtime, at=at or None), asset=symbol, fmt=format)


AUDIT_PAGE = 50
Filter = Annotated[str, Query(max_length=100)]


@router.get("/console/audit")
def console_audit(
    request: Request,
    staff: StaffViewer,
    runtime: RuntimeDep,
    session: SessionDep,
    asset: Filter = "",
    action: Filter = "",
    actor: Filter = "",
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> Response:
    """The audit trail, newest first, filtered as the API's GET /audit is, a page at a time."""
    where = TrailFilter(asset=asset.strip() or None, action=action.strip() or None, actor=actor.strip() or None,
                        offset=offset, limit=AUDIT_PAGE + 1)  # fmt: skip
    found = audit_service.entries(session=session, platform=runtime.platform, where=where)
    filters = {"asset": asset, "action": action, "actor": actor}
    return page(request, "audit.html", staff=staff, entries=found[:AUDIT_PAGE], more=len(found) > AUDIT_PAGE,
                filters=filters, offset=offset, step=AUDIT_PAGE, tab="audit")  # fmt: skip


@router.get("/console/kyc")
def console_kyc(
    request: Request,
    staff: StaffViewer,
    runtime: RuntimeDep,
    within_days: Annotated[int, Query(ge=0, le=36_500)] = 30,
) -> Response:
    expiring = investors_service.kyc_expiring(read=fresh_read(runtime), within_days=within_days)
    return page(request, "kyc.html", staff=staff, expiring=expiring, within_days=within_days, tab="kyc")


def _fund(runtime: Runtime, symbol: str) -> IndexedFund:
    read = fresh_read(runtime)
    with snapshot(read.engine) as connection:
        return fund_queries.fund(connection, read.chain_id, symbol)  # 404 fund_not_found


@router.get("/console/funds")
def console_funds(request: Request, staff: StaffViewer, runtime: RuntimeDep) -> Response:
    read = fresh_read(runtime)
    with snapshot(read.engine) as connection:
        found = fund_queries.funds(connection, read.chain_id)
    return page(request, "funds.html", staff=staff, funds=found, tab="funds")


@router.get("/console/funds/{symbol}")
def console_fund(request: Request, symbol: Annotated[str, Path(max_length=42)], staff: StaffViewer,
                 runtime: RuntimeDep) -> Response:  # fmt: skip
    """A fund's dealing days (newest first: totals, settled at which NAV, or closed and waiting) and NAVs;
    a closed day can be settled from here by issuer and admin staff."""
    fund = _fund(runtime, symbol)
    now = int(runtime.platform.chain.w3.eth.get_block("latest")["timestamp"])
    return page(request, "fund_days.html", staff=staff, fund=fund, days=dealing_days(runtime, fund, now),
                navs=latest_navs(runtime, fund), key=uuid.uuid4().hex, can_settle=_is_issuer(staff),
                tab="funds")  # fmt: skip


@router.post("/console/funds/{symbol}/days/{day}/settle")
def console_settle_day(
    request: Request,
    symbol: Annotated[str, Path(max_length=42)],
    day: Annotated[int, Path(ge=0, le=999_999)],
    form: Form,
    staff: StaffViewer,
    runtime: RuntimeDep,
    session: SessionDep,
) -> Response:
    """Settle a closed dealing day through the API's fund desk (as POST /funds/{fund}/dealing-days/{day}/settle
    does), under the idempotency key the page made: the form sent twice settles once."""
    _ensure_issuer(staff, "Settling a dealing day")
    fund = _fund(runtime, symbol)
    desk = FundDesk(session=session, runtime=runtime, principal=staff)
    outcome = desk.settle_day(fund.asset.symbol, str(day), form.get("idempotency_key"))
    reply = outcome.result
    return page(request, "settled.html", status_code=reply["status_code"], staff=staff, fund=fund, day=reply["body"],
                replayed=outcome.replayed, tab="funds")  # fmt: skip


@router.get("/console/approvals")
def console_approvals(request: Request, staff: StaffViewer, runtime: RuntimeDep) -> Response:
    """The approval queue: proposals to the Safe that holds the platform's roles, pending ones first, as
    GET /proposals lists them (owners approve in their own wallet or over the API)."""
    runtime.platform  # noqa: B018 - opening the platform finds the Safe that holds its roles
    proposals = runtime.proposals
    listed: list[ProposalPublic] = []
    if proposals is not None:
        threshold = proposals.safe.threshold()
        for p in sorted(proposals.proposals(), key=lambda p: (p.status is not ProposalStatus.PENDING, -p.id)):
            refusal = proposals.refusal(p) if p.status is ProposalStatus.PENDING else None
            would_fail = None if refusal is None else error_body(refusal)[1]
            listed.append(ProposalPublic.of(p, threshold, proposals.typed_data(p), would_fail))
    return page(request, "approvals.html", staff=staff, safe=proposals is not None, proposals=listed,
                tab="approvals")  # fmt: skip


# -- errors as pages ----------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    """Mount the dashboard on the API's app: its routes, its static files, and errors on its pages
    answered as pages (a missing session as a redirect to the sign-in page); the sign-in endpoints,
    which the page's script calls, keep the API's JSON errors."""
    app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.state.web_sign_in_limiter = RateLimiter()

    async def rwakit_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RwakitError)
        path = request.url.path
        if isinstance(exc, RateLimited):  # 429 is not in the API's error map: only these endpoints limit
            retry = {"Retry-After": str(exc.details["retry_after"])}
            body = {"code": exc.code, "message": exc.message, **exc.details}
            if path.startswith("/web/siwe/"):
                return JSONResponse(body, status_code=429, headers=retry)
            limited_page = page(request, "error.html", status_code=429, error=body)
            limited_page.headers.update(retry)
            return limited_page
        if not path.startswith("/web/") or path.startswith("/web/siwe/"):
            return error_response(exc)
        if isinstance(exc, SignInRequired):
            return RedirectResponse(exc.details["sign_in"], status_code=303)
        status, body = error_body(exc)
        return page(request, "error.html", status_code=status, error=body)

    app.add_exception_handler(RwakitError, rwakit_error)
