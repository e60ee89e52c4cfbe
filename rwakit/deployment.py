"""Deploy the platform (registry and factory) and keep a record later commands read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rwakit.chain.connection import Chain
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.errors import DeploymentMissing
from rwakit.settlement.deploy import deploy_settlement, is_local_chain


@dataclass(frozen=True)
class Deployment:
    """Where the platform lives on one chain."""

    chain_id: int
    registry: str
    factory: str
    deployer: str
    block_number: int
    operator: str
    compiler_version: str
    deployed_at: str
    safe: str | None = None  # the Safe that holds every role (rwakit deploy --safe), if any
    # The money leg (rwakit/settlement/): absent from records written before it, and on a public chain
    # deployed without a settlement currency.
    settlement_token: str | None = None
    test_coin: bool = False
    dvp: str | None = None
    distributor: str | None = None
    fund_vaults: str | None = None  # FundVaultFactory: the funds' dealing vaults (rwakit/funds/)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    def held_by(self, safe: str) -> Deployment:
        return replace(self, safe=safe)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        if not path.exists():
            raise DeploymentMissing(f"No deployment record at {path}: run `rwakit deploy` first", path=str(path))
        return cls(**json.loads(path.read_text()))

    def check_chain(self, chain: Chain) -> None:
        """Refuse a record made on another chain, or one whose contracts are gone (a restarted node)."""
        if chain.chain_id != self.chain_id:
            raise DeploymentMissing(
                f"The deployment record is for chain {self.chain_id}, but the node is chain {chain.chain_id}: "
                "run `rwakit deploy` on this chain",
            )
        if not chain.w3.eth.get_code(chain.w3.to_checksum_address(self.registry)):
            raise DeploymentMissing(
                f"No registry contract at {self.registry} on this chain (was the node restarted without state?): "
                "run `rwakit deploy` again",
            )


def deploy_platform(chain: Chain, txm: TransactionManager, *, settlement_token: str | None = None) -> Deployment:
    """Deploy InvestorRegistry (which creates its AssetTokenDeployer) and AssetFactory, administered by
    the chain's operator, and let the factory create assets through the registry's deployer. Then the
    money leg (DvP and distributions) over `settlement_token`, or on a local chain over a test coin
    deployed with it; on another chain without a settlement token, none."""
    operator = chain.operator
    registry_artifact = load_artifact("InvestorRegistry")
    registry, receipt = txm.deploy(
        operator, registry_artifact.factory(chain.w3).constructor(operator.address), label="deploy InvestorRegistry"
    )
    registry_contract = registry_artifact.at(chain.w3, registry)
    deployer = registry_contract.functions.deployer().call()
    factory, _ = txm.deploy(
        operator,
        load_artifact("AssetFactory").factory(chain.w3).constructor(registry, operator.address),
        label="deploy AssetFactory",
    )
    asset_role = registry_contract.functions.ASSET_ROLE().call()
    txm.transact(
        operator, registry_contract.functions.grantRole(asset_role, factory), label="grant ASSET_ROLE to factory"
    )
    settlement = None
    if settlement_token is not None or is_local_chain(chain):
        settlement = deploy_settlement(chain, txm, factory, settlement_token)
    return Deployment(
        chain_id=chain.chain_id,
        registry=registry,
        factory=factory,
        deployer=deployer,
        block_number=int(receipt["blockNumber"]),
        operator=operator.address,
        compiler_version=registry_artifact.compiler_version,
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settlement_token=settlement.settlement_token if settlement else None,
        test_coin=settlement.test_coin if settlement else False,
        dvp=settlement.dvp if settlement else None,
        distributor=settlement.distributor if settlement else None,
        fund_vaults=settlement.fund_vaults if settlement else None,
    )
