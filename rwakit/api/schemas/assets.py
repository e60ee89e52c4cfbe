from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, StrictInt

from rwakit.api.schemas.common import MAX_DECIMALS, MAX_WHOLE_DIGITS, Body, Timestamp, integral


class AssetKindName(StrEnum):
    PROPERTY = "property"
    FUND = "fund"


class AssetCreate(Body):
    name: str = Field(min_length=1, max_length=100, examples=["Harbour View Tower"])
    symbol: str = Field(
        pattern=r"^[A-Z][A-Z0-9]{0,10}$",
        examples=["HVT"],
        description="1 to 11 characters, A-Z and 0-9, starting with a letter; unique on the platform",
    )
    kind: AssetKindName = AssetKindName.PROPERTY
    decimals: Annotated[StrictInt, Field(ge=0, le=MAX_DECIMALS), BeforeValidator(integral)] = Field(
        6, description="Decimal places of one share"
    )
    shares_authorised: str = Field(
        pattern=rf"^[1-9][0-9]{{0,{MAX_WHOLE_DIGITS - 1}}}$",
        description="Whole shares that may ever be issued",
        examples=["1000000"],
    )
    description: str = Field("", max_length=4000)
    jurisdiction: str = Field("", max_length=64, examples=["HK"])
    document_uri: str = Field("", max_length=2000, examples=["ipfs://harbour-view-tower/offering.pdf"])
    document_hash: str = Field(
        "0x" + "00" * 32, pattern=r"^0x[0-9a-fA-F]{64}$", description="SHA-256 of the offering document"
    )
    investor_limits: StrictBool = Field(
        False,
        description="Keep per-investor totals, so a maximum number of holders or balance per investor can be "
        "set (now or later); fixed at creation, about 10k more gas per transfer between two investors",
    )


class AssetPublic(BaseModel):
    address: str
    symbol: str
    name: str
    kind: AssetKindName
    decimals: int
    shares_authorised: str
    total_supply: str
    paused: bool
    document_uri: str
    document_hash: str
    investor_limits: bool = False
    description: str = ""
    jurisdiction: str = ""
    as_of_block: int | None = Field(None, description="The indexed block this reflects (reads from the index)")
    block_number: int | None = Field(
        None, description="After a write (create, pause): the block its transaction was mined in, for `min_block`"
    )


class CapTableEntryPublic(BaseModel):
    investor_id: str | None = Field(description="None: a wallet the registry no longer knows")
    amount: str
    share_of_supply: str = Field(description="Percent of issued shares, 4 decimal places, rounded down")
    wallets: dict[str, str]


class CapTablePublic(BaseModel):
    symbol: str
    block_number: int = Field(description="The same as as_of_block")
    as_of_block: int = Field(description="The indexed block the table reflects")
    as_of_time: Timestamp | None = Field(None, description="That block's time, when the index holds its header")
    final: bool = Field(
        True, description="False for a date (`at`) the index has not passed yet: the latest state, which may change"
    )
    total_supply: str
    shares_authorised: str
    holders: int
    entries: list[CapTableEntryPublic]


class AssetDetail(AssetPublic):
    holders: int
    block_number: int
    cap_table: list[CapTableEntryPublic] | None = Field(
        None, description="Holders grouped by investor; only for admin, issuer and registrar keys"
    )
