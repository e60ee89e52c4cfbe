"""The funds' services over one platform: `Funds.open(platform)`."""

from __future__ import annotations

from dataclasses import dataclass

from rwakit.funds.dealing import DealingService
from rwakit.funds.vaults import Vaults, VaultService
from rwakit.platform import Platform
from rwakit.settlement.cash import CashService


@dataclass(frozen=True)
class Funds:
    cash: CashService
    vaults: VaultService  # the admin, valuer and manager: open, NAV, terms, settlement, reads
    dealing: DealingService  # the investors: requests, cancellations, claims, positions

    @classmethod
    def open(cls, platform: Platform) -> Funds:
        """The funds' services over `platform`, through its one transaction manager."""
        cash = CashService(platform.chain, platform.txm, platform.deployment)
        vaults = Vaults(platform.chain, platform.txm, platform.deployment, platform.assets, cash)
        return cls(cash=cash, vaults=VaultService(vaults), dealing=DealingService(vaults))
