"""Transfers: a compliance pre-check anyone may ask, and transfers from custodial wallets, which
the platform signs with the key its custody holds."""

from __future__ import annotations

from sqlmodel import Session

from rwakit.api.deps import Principal
from rwakit.api.errors import Forbidden
from rwakit.api.schemas.transfers import TransferCheck, TransferCheckResult, TransferCreate, TransferPublic
from rwakit.api.services.custody import Custody, custodial_signer
from rwakit.contracts.restrictions import Restriction
from rwakit.db.journal import journal_ref
from rwakit.errors import ContractRevert
from rwakit.platform import Platform
from rwakit.units import format_units, to_base_units


def check(*, platform: Platform, principal: Principal, data: TransferCheck) -> TransferCheckResult:
    sender = _wallet(platform, data.sender)
    _ensure_own_wallet(platform, principal, sender)
    token = platform.assets.token(data.asset)
    decimals = token.functions.decimals().call()
    to_base_units(data.amount, decimals)  # too many decimals: 422 before asking the chain
    code = platform.assets.check_transfer(data.asset, sender, data.to, data.amount)
    reason = code.reason if isinstance(code, Restriction) else f"code_{code}"
    return TransferCheckResult(
        allowed=int(code) == 0,
        reason_code=int(code),
        reason=reason,
        message=token.functions.messageForTransferRestriction(int(code)).call(),
        asset=token.functions.symbol().call(),
        sender=sender,
        to=_wallet(platform, data.to),
        amount=format_units(to_base_units(data.amount, decimals), decimals),
    )


def transfer(
    *, session: Session, platform: Platform, custody: Custody, principal: Principal, data: TransferCreate
) -> TransferPublic:
    _ensure_own_wallet(platform, principal, data.sender)
    signer = custodial_signer(session, custody, data.sender)
    try:
        with journal_ref(f"transfer:{principal.prefix}"):
            receipt = platform.assets.transfer(data.asset, signer, data.to, data.amount)
    except ContractRevert as exc:
        raise exc.described_as(f"transfer {data.amount} {data.asset} to {data.to}") from None
    token = platform.assets.token(data.asset)
    decimals = token.functions.decimals().call()
    return TransferPublic(
        asset=token.functions.symbol().call(),
        sender=data.sender,
        to=_wallet(platform, data.to),
        amount=format_units(to_base_units(data.amount, decimals), decimals),
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block_number=receipt["blockNumber"],
    )


def _wallet(platform: Platform, who: str) -> str:
    """A wallet address as given, or an investor id's first wallet."""
    return who if who.lower().startswith("0x") else platform.registry.get(who).wallets[0]


def _ensure_own_wallet(platform: Platform, principal: Principal, wallet: str) -> None:
    if principal.is_staff:
        return
    if platform.registry.investor_of(wallet) != principal.investor_id:
        raise Forbidden(f"{wallet} is not a wallet of investor {principal.investor_id}", code="forbidden_wallet")
