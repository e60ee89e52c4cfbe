"""Deploy the platform (InvestorRegistry, which creates its AssetTokenDeployer, and AssetFactory; on a local
chain also the test coin, DeliveryVersusPayment, IncomeDistributor and FundVaultFactory) and write the
deployment record.

    python scripts/deploy.py                                  # the chain from RWAKIT_RPC_URL or `rwakit chain`
    brownie run scripts/deploy.py --network rwakit-anvil      # the same, through Brownie (.venv-brownie)

Same as `rwakit deploy`, and kept thin like a Brownie script (`main()`). Both ways write the record
`rwakit` reads, `$RWAKIT_DATA_DIR/deployment.json` (default `.rwakit/`), with the same fields, so
the CLI, the API and `Platform.from_settings()` then use a Brownie deployment as their own. Under
Brownie the operator is the network's first account, or the key in RWAKIT_PRIVATE_KEY; the
contracts come from Brownie's build, whose bytecode equals rwakit's shipped artifacts (checked
by `make brownie-test`). The rwakit package is imported only outside Brownie: the Brownie
environment does not install it.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def main() -> Any:
    if "brownie" in sys.modules:  # `brownie run` imported it before loading this script
        return deploy_with_brownie()
    return deploy_with_rwakit()


def deploy_with_rwakit() -> Any:
    from rwakit.chain.transactions import TransactionManager
    from rwakit.config import get_settings
    from rwakit.deployment import deploy_platform
    from rwakit.platform import connect

    settings = get_settings()
    chain = connect(settings)
    deployment = deploy_platform(chain, TransactionManager(chain.w3))
    deployment.save(settings.deployment_file)
    print(f"registry {deployment.registry}\nfactory  {deployment.factory}\nrecord   {settings.deployment_file}")
    return deployment


def deploy_with_brownie() -> dict[str, Any]:
    from brownie import (  # type: ignore[attr-defined]
        AssetFactory,
        AssetTokenDeployer,
        DeliveryVersusPayment,
        FundVaultFactory,
        IncomeDistributor,
        InvestorRegistry,
        TestStablecoin,
        accounts,
        chain,
    )

    key = _setting("RWAKIT_PRIVATE_KEY")
    operator = accounts.add(key) if key else accounts[0]
    registry = InvestorRegistry.deploy(operator, {"from": operator})
    deployer = AssetTokenDeployer.at(registry.deployer())
    factory = AssetFactory.deploy(registry, operator, {"from": operator})
    registry.grantRole(registry.ASSET_ROLE(), factory, {"from": operator})
    # The money leg: Brownie's networks are local chains, so a test coin settles (as rwakit.settlement.deploy).
    coin = TestStablecoin.deploy("Test Hong Kong Dollar", "HKD", 6, operator, {"from": operator})
    dvp = DeliveryVersusPayment.deploy(coin, factory, operator, {"from": operator})
    distributor = IncomeDistributor.deploy(coin, factory, {"from": operator})
    fund_vaults = FundVaultFactory.deploy(factory, coin, {"from": operator})
    record = {  # the fields of rwakit.deployment.Deployment, in its order
        "chain_id": chain.id,
        "registry": registry.address,
        "factory": factory.address,
        "deployer": deployer.address,
        "block_number": registry.tx.block_number,
        "operator": operator.address,
        "compiler_version": InvestorRegistry._build["compiler"]["version"],
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "safe": None,  # the roles stay with the operator: `rwakit deploy --safe` hands them to a Safe
        "settlement_token": coin.address,
        "test_coin": True,
        "dvp": dvp.address,
        "distributor": distributor.address,
        "fund_vaults": fund_vaults.address,
    }
    path = Path(_setting("RWAKIT_DATA_DIR") or ".rwakit") / "deployment.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"registry {registry.address}\nfactory  {factory.address}\nrecord   {path}")
    return record


def _setting(name: str) -> str | None:
    """An RWAKIT_* setting from the environment or ./.env, as rwakit's Settings reads it."""
    if value := os.environ.get(name):
        return value
    env_file = Path(".env")
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep and key.strip() == name:
                return value.strip().strip("'\"") or None
    return None


if __name__ == "__main__":
    main()
