"""An asset's compliance rules: any key reads them; the compliance officer (or admin) sets each one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from rwakit.api.deps import AsOfRead, ComplianceDep, PlatformDep, PrincipalDep
from rwakit.api.errors import error_responses
from rwakit.api.schemas.common import AssetRef
from rwakit.api.schemas.compliance import (
    AllowedClassesSet,
    AllowedCountriesSet,
    BlockedCountriesSet,
    LockupSet,
    MaxBalanceSet,
    MaxHoldersSet,
    MinimumLotSet,
    RulesPublic,
    RulesUpdated,
)
from rwakit.api.services import compliance as service

router = APIRouter(
    prefix="/assets/{asset}/rules", tags=["compliance"], responses=error_responses(401, 403, 404, 409, 502, 504)
)


def get_desk(platform: PlatformDep, principal: ComplianceDep) -> service.RuleDesk:
    return service.RuleDesk(platform=platform, principal=principal)


RuleDeskDep = Annotated[service.RuleDesk, Depends(get_desk)]


@router.get("")
def get_rules(asset: AssetRef, _: PrincipalDep, read: AsOfRead) -> RulesPublic:
    """Every rule of the asset, with its number of holders, from the index: now, as of a block (`block`) or
    the end of a UTC day (`at`)."""
    return service.rules(read=read, asset=asset)


@router.put("/allowed-countries")
def set_allowed_countries(asset: AssetRef, body: AllowedCountriesSet, desk: RuleDeskDep) -> RulesUpdated:
    """Replace the country allow-list and turn it on (or off). When on, only investors from these
    countries may acquire shares (reason 15, country_not_allowed)."""
    return desk.allowed_countries(asset, body)


@router.put("/blocked-countries")
def set_blocked_countries(asset: AssetRef, body: BlockedCountriesSet, desk: RuleDeskDep) -> RulesUpdated:
    """Replace the block-list: investors from these countries cannot acquire shares (16, country_blocked);
    holders there can still sell (freeze a wallet to stop that). An empty list unblocks every country."""
    return desk.blocked_countries(asset, body)


@router.put("/allowed-classes")
def set_allowed_classes(asset: AssetRef, body: AllowedClassesSet, desk: RuleDeskDep) -> RulesUpdated:
    """Only these investor classes may acquire shares (17, class_not_allowed); an empty list admits all."""
    return desk.allowed_classes(asset, body)


@router.put("/lockup")
def set_lockup(asset: AssetRef, body: LockupSet, desk: RuleDeskDep) -> RulesUpdated:
    """Holders cannot transfer before `until` (13, locked_up); issuance and forced transfers still can.
    `null` lifts the lock-up."""
    return desk.lockup(asset, body)


@router.put("/minimum-lot")
def set_minimum_lot(asset: AssetRef, body: MinimumLotSet, desk: RuleDeskDep) -> RulesUpdated:
    """The smallest transfer between holders (14, below_minimum_lot); '0' removes the minimum."""
    return desk.minimum_lot(asset, body)


@router.put("/max-holders")
def set_max_holders(asset: AssetRef, body: MaxHoldersSet, desk: RuleDeskDep) -> RulesUpdated:
    """At most this many investors may hold the asset (18, max_holders_reached); `null`: no limit.
    Needs an asset created with investor limits (else 409 investor_limits_disabled); not below the
    current number of holders (409 limit_below_current)."""
    return desk.max_holders(asset, body)


@router.put("/max-balance")
def set_max_balance(asset: AssetRef, body: MaxBalanceSet, desk: RuleDeskDep) -> RulesUpdated:
    """No investor may hold more than this over all their wallets (19, max_balance_exceeded); `null`: no
    limit. Balances already above a new limit stay; they can only shrink."""
    return desk.max_balance(asset, body)
