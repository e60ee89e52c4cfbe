"""Off-chain records that sit beside the chain: what an asset is, who an investor is, which wallets
the platform holds keys for. The chain stays the source of truth for balances, KYC status and
wallets; these tables hold what does not belong on chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, Session, SQLModel, select

from rwakit.db.clock import utcnow


class AssetRecordBase(SQLModel):
    description: str = Field(default="", max_length=4000)
    jurisdiction: str = Field(default="", max_length=64)


class AssetRecord(AssetRecordBase, table=True):
    """One asset token created through the platform; the document URI and hash are also on chain."""

    __tablename__ = "asset_record"

    id: int | None = Field(default=None, primary_key=True)
    symbol: str = Field(index=True, unique=True, max_length=32)
    address: str | None = Field(default=None, index=True, max_length=42)
    document_uri: str = Field(default="", max_length=2000)
    document_hash: str = Field(default="0x" + "00" * 32, max_length=66)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class InvestorProfileBase(SQLModel):
    kyc_reference: str = Field(default="", max_length=200, description="The KYC provider's case or file id")
    kyc_provider: str = Field(default="", max_length=100)
    name: str = Field(default="", max_length=200, description="Display name (the chain only knows the id)")


class InvestorProfile(InvestorProfileBase, table=True):
    """The off-chain side of an investor registered through the API."""

    __tablename__ = "investor_profile"

    investor_id: str = Field(primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class CustodialWallet(SQLModel, table=True):
    """A wallet whose key the platform holds, so it can sign transfers on the holder's instruction.

    ``key_ref`` says where the key is (``dev:<address>``: the local chain's mnemonic accounts);
    the key itself never enters the database.
    """

    __tablename__ = "custodial_wallet"

    address: str = Field(primary_key=True, max_length=42)
    key_ref: str = Field(max_length=200)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


def get_asset_record(session: Session, *, symbol: str) -> AssetRecord | None:
    return session.exec(select(AssetRecord).where(AssetRecord.symbol == symbol)).first()


def asset_records_by_address(session: Session) -> dict[str, AssetRecord]:
    return {r.address: r for r in session.exec(select(AssetRecord)).all() if r.address}


def list_profiles(session: Session, *, offset: int = 0, limit: int = 100) -> list[InvestorProfile]:
    query = select(InvestorProfile).order_by(InvestorProfile.investor_id).offset(offset).limit(limit)
    return list(session.exec(query).all())


def get_custodial_wallet(session: Session, *, address: str) -> CustodialWallet | None:
    return session.get(CustodialWallet, address)


def list_custodial_wallets(session: Session) -> list[CustodialWallet]:
    return list(session.exec(select(CustodialWallet).order_by(CustodialWallet.address)).all())
