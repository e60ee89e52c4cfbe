"""The money leg's services over one platform: `Settlement.open(platform)`."""

from __future__ import annotations

from dataclasses import dataclass

from rwakit.platform import Platform
from rwakit.settlement.cash import CashService
from rwakit.settlement.distributions import DistributionService
from rwakit.settlement.register import ChainRegister, RegisterSource
from rwakit.settlement.trades import TradeService


@dataclass(frozen=True)
class Settlement:
    cash: CashService
    trades: TradeService
    distributions: DistributionService

    @classmethod
    def open(cls, platform: Platform, register: RegisterSource | None = None) -> Settlement:
        """The money leg's services over `platform`, through its one transaction manager. The register of
        holders comes from `register` (default: scanned from the chain's Transfer events)."""
        chain, txm, deployment = platform.chain, platform.txm, platform.deployment
        cash = CashService(chain, txm, deployment)
        register = register or ChainRegister(chain.w3, deployment.block_number)
        return cls(
            cash=cash,
            trades=TradeService(chain, txm, deployment, platform.assets, cash),
            distributions=DistributionService(
                chain, txm, deployment, platform.assets, cash, register, platform.registry
            ),
        )
