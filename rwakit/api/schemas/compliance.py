"""An asset's compliance rules: read by any key, set by the compliance officer, one rule per request."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StrictBool, StrictInt

from rwakit.api.schemas.common import Amount, Body, Country, Moment, Reason, Timestamp, integral
from rwakit.api.schemas.investors import InvestorClassName

Countries = Annotated[list[Country], Field(max_length=300, examples=[["HK", "SG"]])]


class RulesPublic(BaseModel):
    asset: str
    asset_address: str
    paused: bool
    allow_list_enabled: bool = Field(description="When on, only investors from allowed_countries may acquire shares")
    allowed_countries: list[str] = Field(description="ISO 3166-1 alpha-2, sorted (numeric for a code pycountry lacks)")
    blocked_countries: list[str] = Field(description="Their investors cannot acquire shares")
    allowed_classes: list[InvestorClassName] = Field(description="Empty: every class may acquire shares")
    lockup_until: Timestamp | None = Field(description="Holders cannot transfer before this time (issuance can)")
    minimum_lot: str = Field(description="Smallest transfer between holders, in shares ('0': no minimum)")
    investor_limits: bool = Field(description="The asset keeps investor totals: max_holders and max_balance apply")
    max_holders: int | None = Field(description="At most this many investors (not wallets) may hold; None: no limit")
    holders: int | None = Field(description="Investors holding (assets with investor limits), as of the same block")
    max_balance: str | None = Field(description="Most shares one investor may hold over all wallets; None: no limit")
    as_of_block: int | None = Field(
        None, description="A read: the indexed block the rules are as of (a change answers from the chain: None)"
    )


class RulesUpdated(RulesPublic):
    tx_hashes: list[str] = Field(description="The transactions sent, in order (none if nothing changed)")
    block_number: int | None = Field(None, description="The block of the last transaction sent, for `min_block`")


class AllowedCountriesSet(Body):
    countries: Countries
    enabled: StrictBool = Field(True, description="Turn the allow-list on (or off, keeping the list)")
    reason: Reason = ""


class BlockedCountriesSet(Body):
    countries: Countries
    reason: Reason = ""


class AllowedClassesSet(Body):
    classes: list[InvestorClassName] = Field(description="Empty: every class", examples=[["professional"]])
    reason: Reason = ""


class LockupSet(Body):
    until: Moment | None = Field(description="None lifts the lock-up")
    reason: Reason = ""


class MinimumLotSet(Body):
    amount: Amount = Field(description="Shares ('0': no minimum)", examples=["10"])
    reason: Reason = ""


class MaxHoldersSet(Body):
    max_holders: Annotated[StrictInt, Field(ge=1, lt=2**32), BeforeValidator(integral)] | None = Field(
        description="None: no limit"
    )
    reason: Reason = ""


class MaxBalanceSet(Body):
    amount: Amount | None = Field(description="Shares per investor; None: no limit", examples=["5000"])
    reason: Reason = ""
