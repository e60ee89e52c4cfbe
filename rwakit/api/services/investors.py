"""Investors: the registry on chain (wallets, country, class, KYC expiry, revoked) and the profile
in the database (KYC reference and provider, display name). The chain is written first and the
profile committed after it, so a refused registration leaves no row."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from rwakit.api.deps import IndexRead
from rwakit.api.errors import Conflict
from rwakit.api.reads import written_block
from rwakit.api.schemas.common import to_datetime
from rwakit.api.schemas.investors import (
    InvestorBatchCreate,
    InvestorBatchResult,
    InvestorClassName,
    InvestorCreate,
    InvestorPublic,
    InvestorSummary,
    InvestorUpdate,
    KycExpiringInvestor,
    KycExpiringPublic,
)
from rwakit.config import Settings
from rwakit.db.clock import utcnow
from rwakit.db.journal import journal_ref
from rwakit.db.records import InvestorProfile, list_profiles
from rwakit.errors import InvalidInput
from rwakit.indexer import queries, record_queries
from rwakit.indexer.queries import snapshot
from rwakit.platform import Platform
from rwakit.registry import InvestorClass, InvestorInput
from rwakit.units import country_alpha2, from_timestamp


def register(*, session: Session, platform: Platform, data: InvestorCreate) -> InvestorPublic:
    _refuse_known(session, [data.investor_id])
    with journal_ref(f"investor:{data.investor_id}"):
        platform.registry.register(_input(data))
    session.add(_profile(data))
    session.commit()
    return _after_write(_on_chain(session, platform, data.investor_id))


def register_batch(
    *, session: Session, platform: Platform, settings: Settings, data: InvestorBatchCreate
) -> InvestorBatchResult:
    """Up to ``registration_batch_max`` investors in one transaction: all are registered or none."""
    if len(data.investors) > settings.registration_batch_max:
        raise InvalidInput(
            f"At most {settings.registration_batch_max} investors per request (one transaction); split the batch",
            code="batch_too_large",
            limit=settings.registration_batch_max,
        )
    ids = [i.investor_id for i in data.investors]
    _refuse_known(session, ids)
    with journal_ref(f"investors:{ids[0]}+{len(ids) - 1}"):
        receipt = platform.registry.register_batch([_input(i) for i in data.investors])
    session.add_all([_profile(i) for i in data.investors])
    session.commit()
    return InvestorBatchResult(
        registered=len(ids),
        investor_ids=ids,
        tx_hash=receipt["transactionHash"].to_0x_hex(),
        block_number=receipt["blockNumber"],
        gas_used=receipt["gasUsed"],
    )


def get_investor(*, session: Session, read: IndexRead, investor_id: str) -> InvestorPublic:
    """The registry record from the index (now, as of a block or a date), the profile from the database."""
    with snapshot(read.engine) as connection:
        when = queries.as_of(connection, read.chain_id, block=read.block, at=read.at)
        found = record_queries.investor(connection, read.chain_id, investor_id, when)
    r = found.record
    return _public(
        session,
        InvestorPublic(
            investor_id=r.investor_id,
            number=r.number,
            wallets=found.wallets,
            country=country_alpha2(r.country),
            country_code=r.country,
            investor_class=InvestorClassName(InvestorClass(r.investor_class).name.lower()),
            kyc_expiry=_moment(r.kyc_expiry),
            revoked=r.revoked,
            verified=found.verified,
            as_of_block=when.block_number,
        ),
    )


def _on_chain(session: Session, platform: Platform, investor_id: str) -> InvestorPublic:
    """After a write: the registry record as the chain has it (the index may not have read the block yet)."""
    found = platform.registry.get(investor_id)
    return _public(
        session,
        InvestorPublic(
            investor_id=found.investor_id,
            number=found.number,
            wallets=found.wallets,
            country=country_alpha2(found.country),
            country_code=found.country,
            investor_class=InvestorClassName(found.investor_class.name.lower()),
            kyc_expiry=found.kyc_expiry,
            revoked=found.revoked,
            verified=found.verified,
        ),
    )


def _public(session: Session, investor: InvestorPublic) -> InvestorPublic:
    """The database-only profile fields (KYC reference and provider, display name) added."""
    profile = session.get(InvestorProfile, investor.investor_id)
    if profile is not None:
        investor.kyc_reference, investor.kyc_provider, investor.name = (
            profile.kyc_reference, profile.kyc_provider, profile.name
        )  # fmt: skip
    return investor


def update(*, session: Session, platform: Platform, investor_id: str, data: InvestorUpdate) -> InvestorPublic:
    """On-chain fields first (one transaction), then the profile (created if the investor had none)."""
    if data.country is not None or data.investor_class is not None or data.kyc_expiry is not None:
        with journal_ref(f"investor:{investor_id}"):
            platform.registry.update(
                investor_id,
                country=data.country,
                investor_class=data.investor_class.value if data.investor_class else None,
                kyc_expiry=to_datetime(data.kyc_expiry) if data.kyc_expiry is not None else None,
            )
    else:
        platform.registry.get(investor_id)  # 404 for an unknown investor
    changes = data.model_dump(include={"kyc_reference", "kyc_provider", "name"}, exclude_none=True)
    if changes:
        profile = session.get(InvestorProfile, investor_id) or InvestorProfile(investor_id=investor_id)
        for field, value in changes.items():
            setattr(profile, field, value)
        profile.updated_at = utcnow()
        session.add(profile)
        session.commit()
    return _after_write(_on_chain(session, platform, investor_id))


def set_revoked(*, session: Session, platform: Platform, investor_id: str, revoked: bool) -> InvestorPublic:
    with journal_ref(f"investor:{investor_id}"):
        if revoked:
            platform.registry.revoke(investor_id)
        else:
            platform.registry.reinstate(investor_id)
    return _after_write(_on_chain(session, platform, investor_id))


def add_wallet(*, session: Session, platform: Platform, investor_id: str, wallet: str) -> InvestorPublic:
    """Another wallet of the investor (e.g. the new wallet of a recovery)."""
    with journal_ref(f"investor:{investor_id}"):
        platform.registry.add_wallet(investor_id, wallet)
    return _after_write(_on_chain(session, platform, investor_id))


def remove_wallet(*, session: Session, platform: Platform, investor_id: str, wallet: str) -> InvestorPublic:
    """Take a wallet off the investor (e.g. a lost one, before its shares are recovered): no asset accepts
    it any more, and the shares it holds move only by recovery or forced transfer."""
    # The registry refuses an unknown investor (404 investor_not_found) or another's wallet (404
    # wallet_not_found) when the transaction is estimated, before anything is sent.
    with journal_ref(f"investor:{investor_id}"):
        platform.registry.remove_wallet(wallet, investor_id=investor_id)
    return _after_write(_on_chain(session, platform, investor_id))


def list_investors(*, session: Session, offset: int, limit: int) -> list[InvestorSummary]:
    return [
        InvestorSummary(
            investor_id=p.investor_id,
            name=p.name,
            kyc_reference=p.kyc_reference,
            kyc_provider=p.kyc_provider,
            created_at=p.created_at,
        )
        for p in list_profiles(session, offset=offset, limit=limit)
    ]


def kyc_expiring(
    *, read: IndexRead, within_days: int, offset: int = 0, limit: int = queries.MAX_PAGE
) -> KycExpiringPublic:
    """From the index: investors not revoked whose KYC lapses by now + `within_days` (lapsed ones too), a page."""
    with snapshot(read.engine) as connection:
        window = record_queries.kyc_expiring(connection, read.chain_id, within_days, offset=offset, limit=limit)
    return KycExpiringPublic(
        as_of_block=window.when.block_number,
        now=from_timestamp(window.now),
        until=from_timestamp(window.until),
        offset=offset,
        limit=limit,
        investors=[
            KycExpiringInvestor(
                investor_id=r.investor_id,
                country=country_alpha2(r.country),
                country_code=r.country,
                investor_class=InvestorClassName(InvestorClass(r.investor_class).name.lower()),
                kyc_expiry=_moment(r.kyc_expiry),
                expired=r.kyc_expiry <= window.now,
            )
            for r in window.records
        ],
    )


def _after_write(investor: InvestorPublic) -> InvestorPublic:
    investor.block_number = written_block()
    return investor


def _moment(seconds: int) -> datetime | None:
    try:
        return from_timestamp(seconds)
    except (OverflowError, ValueError, OSError):
        return None


def _refuse_known(session: Session, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInput("The batch names an investor id twice", code="duplicate_investor")
    query = select(InvestorProfile.investor_id).where(InvestorProfile.investor_id.in_(ids))  # type: ignore[attr-defined]
    known = sorted(session.exec(query).all())
    if known:
        raise Conflict(f"Already registered: {', '.join(known[:10])}", code="investor_exists", investor_ids=known)


def _input(data: InvestorCreate) -> InvestorInput:
    return InvestorInput(
        data.investor_id, list(data.wallets), data.country, data.investor_class.value, to_datetime(data.kyc_expiry)
    )


def _profile(data: InvestorCreate) -> InvestorProfile:
    return InvestorProfile(
        investor_id=data.investor_id, kyc_reference=data.kyc_reference, kyc_provider=data.kyc_provider, name=data.name
    )
