"""Who is looking at a page: an investor signed in with their wallet (Sign-In with Ethereum), or staff
signed in with an API key or an issuer's wallet, each through a session cookie.

The cookie is HttpOnly (no script reads it), SameSite=Lax (another site's form posts arrive without
it, so sign-out and sign-in cannot be forged from elsewhere) and Secure when the request came over
HTTPS (uvicorn takes the scheme from X-Forwarded-Proto behind a trusted proxy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select as sa_select
from sqlalchemy import true
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.responses import Response

from rwakit.api.deps import Principal, RuntimeDep, SessionDep
from rwakit.api.errors import Forbidden, Unauthorized
from rwakit.api.runtime import Runtime
from rwakit.db.keys import ApiKey, Role
from rwakit.db.web import WebSession, find_session
from rwakit.indexer.queries import snapshot
from rwakit.indexer.tables import Wallet

COOKIE = "rwakit_session"
NONCE_LIFETIME = timedelta(minutes=5)  # from the message's issue to its signature's arrival
SESSION_LIFETIME = timedelta(hours=8)
PORTAL, CONSOLE = "/web/portal", "/web/console"


class SignInRequired(Unauthorized):
    """No live session of the right kind: a page answers with a redirect to its sign-in page."""

    code = "sign_in_required"


def site(request: Request) -> tuple[str, str]:
    """This site's domain (RFC 3986 authority) and origin, as the browser addressed it."""
    netloc = request.url.netloc
    return netloc, f"{request.url.scheme}://{netloc}"


def same_origin(request: Request) -> None:
    """Refuse a POST that a page of another site sent (its Origin header names that site): with the cookie's
    SameSite=Lax, a second guard against forged sign-ins, sign-outs and issuances."""
    origin = request.headers.get("origin")
    if request.method == "POST" and origin is not None and origin != site(request)[1]:
        raise Forbidden(f"A page of {origin[:100]} may not send this form to this site", code="cross_site_request")


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/web",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/web", httponly=True, samesite="lax")


def current_session(request: Request, session: SessionDep) -> WebSession | None:
    token = request.cookies.get(COOKIE)
    return None if not token else find_session(session, token)


CurrentSession = Annotated[WebSession | None, Depends(current_session)]


@dataclass(frozen=True)
class Investor:
    investor_id: str
    wallet: str


def signed_in_investor(found: CurrentSession, runtime: RuntimeDep) -> Investor:
    """An investor whose wallet the registry still has under them: a wallet taken off the investor (lost,
    recovered) ends its web sessions."""
    if found is not None and found.role == Role.INVESTOR.value and found.investor_id and found.wallet:
        platform = runtime.platform
        runtime.reads.ready(platform, None)  # the index has this API's last write (a wallet removed)
        chain_id = platform.deployment.chain_id
        if investor_of_wallet(runtime.engine, chain_id, found.wallet) == found.investor_id:
            return Investor(found.investor_id, found.wallet)
    raise SignInRequired("Sign in with your wallet to see your portfolio", sign_in="/web/sign-in")


@dataclass(frozen=True)
class WalletStaff(Principal):
    """An issuer signed in with a wallet that holds the platform's issuer role: the console acts for them as
    for an issuer key (the platform's signer sends), and the audit trail names the wallet."""

    wallet: str = ""

    @classmethod
    def of_wallet(cls, wallet: str) -> WalletStaff:
        # The keyed requests' rows and journal references take an 8-character "prefix", which scopes idempotency
        # keys: "w" and 7 digits of the wallet never equal an API key's prefix (8 hex digits).
        return cls(
            prefix="w" + wallet[2:9].lower(), role=Role.ISSUER, name=f"wallet {wallet[:6]}…{wallet[-4:]}", wallet=wallet
        )

    @property
    def actor(self) -> str:
        return f"wallet:{self.wallet} (issuer)"


def holds_issuer_role(runtime: Runtime, wallet: str) -> bool:
    """Is `wallet` the platform's issuer on chain now: does it hold the asset factory's ISSUER_ROLE (which
    creates assets and issues their shares), or own the Safe that holds it (its requests are then proposed
    to the Safe, for its owners to approve)?"""
    platform = runtime.platform
    factory = platform.assets.factory
    role = factory.functions.ISSUER_ROLE().call()
    if factory.functions.hasRole(role, wallet).call():
        return True
    safe = None if runtime.proposals is None else runtime.proposals.safe
    return (safe is not None and bool(factory.functions.hasRole(role, safe.address).call())
            and wallet.lower() in {owner.lower() for owner in safe.owners()})  # fmt: skip


def signed_in_staff(found: CurrentSession, session: SessionDep, runtime: RuntimeDep) -> Principal:
    """Staff whose API key is still live (revoking the key ends its web sessions too), or an issuer's wallet
    that still holds the issuer role on chain (revoking the role ends them)."""
    wallet = None if found is None or found.api_key_prefix is not None else found.wallet
    if wallet and found is not None and found.role == Role.ISSUER.value and holds_issuer_role(runtime, wallet):
        return WalletStaff.of_wallet(wallet)
    key = None
    if found is not None and found.api_key_prefix is not None:
        key = session.exec(select(ApiKey).where(ApiKey.prefix == found.api_key_prefix)).first()
    if key is None or key.revoked_at is not None:
        raise SignInRequired("Sign in with a staff API key or an issuer's wallet to use the console",
                             sign_in=f"{CONSOLE}/sign-in")  # fmt: skip
    return Principal.of(key)


InvestorViewer = Annotated[Investor, Depends(signed_in_investor)]
StaffViewer = Annotated[Principal, Depends(signed_in_staff)]


def investor_of_wallet(engine: Engine, chain_id: int, wallet: str) -> str | None:
    """The investor the registry (as indexed) has this wallet under now, if any."""
    table = Wallet.__table__  # type: ignore[attr-defined]
    query = sa_select(table.c.investor_id).where(
        table.c.chain_id == chain_id, table.c.wallet == wallet, table.c.active == true()
    )
    with snapshot(engine) as connection:
        found: str | None = connection.execute(query).scalar_one_or_none()
    return found
