from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from rwakit.api.schemas.common import Address, Body, Country, InvestorId, Moment, Timestamp


class InvestorClassName(StrEnum):
    RETAIL = "retail"
    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


class ProfileFields(Body):
    kyc_reference: str = Field("", max_length=200, description="The KYC provider's case id", examples=["KYC-2026-0042"])
    kyc_provider: str = Field("", max_length=100, examples=["Acme KYC"])
    name: str = Field("", max_length=200, description="Display name, kept off chain")


class InvestorCreate(ProfileFields):
    investor_id: InvestorId
    wallets: list[Address] = Field(min_length=1, max_length=16, json_schema_extra={"uniqueItems": True})
    country: Country
    investor_class: InvestorClassName = InvestorClassName.RETAIL
    kyc_expiry: Moment


class WalletAdd(Body):
    address: Address


class InvestorBatchCreate(Body):
    investors: list[InvestorCreate] = Field(min_length=1, description="Registered in one transaction: all or none")


class InvestorUpdate(Body):
    country: Country | None = None
    investor_class: InvestorClassName | None = None
    kyc_expiry: Moment | None = None
    kyc_reference: str | None = Field(None, max_length=200)
    kyc_provider: str | None = Field(None, max_length=100)
    name: str | None = Field(None, max_length=200)


class InvestorPublic(BaseModel):
    investor_id: str
    number: int
    wallets: list[str]
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    country_code: int = Field(description="ISO 3166-1 numeric, as stored on chain")
    investor_class: InvestorClassName
    kyc_expiry: Timestamp | None
    revoked: bool
    verified: bool = Field(description="Registered, not revoked, KYC current: may receive shares")
    kyc_reference: str = ""
    kyc_provider: str = ""
    name: str = ""
    block_number: int | None = Field(
        None, description="After a registry change: the block its transaction was mined in, for `min_block`"
    )
    as_of_block: int | None = Field(
        None, description="A read: the indexed block the record is as of (a write answers from the chain: None)"
    )


class InvestorSummary(BaseModel):
    investor_id: str
    name: str
    kyc_reference: str
    kyc_provider: str
    created_at: Timestamp


class InvestorBatchResult(BaseModel):
    registered: int
    investor_ids: list[str]
    tx_hash: str
    block_number: int
    gas_used: int


class KycExpiringInvestor(BaseModel):
    investor_id: str
    country: str | None = Field(description="ISO 3166-1 alpha-2")
    country_code: int
    investor_class: InvestorClassName
    kyc_expiry: Timestamp | None = Field(description="None past year 9999")
    expired: bool = Field(description="The KYC has already lapsed: the investor can neither send nor receive")


class KycExpiringPublic(BaseModel):
    as_of_block: int
    now: Timestamp
    until: Timestamp = Field(description="now + within_days")
    offset: int = Field(description="Investors skipped (the page's start)")
    limit: int = Field(description="At most this many investors in the page")
    investors: list[KycExpiringInvestor]
