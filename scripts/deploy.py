"""Deploy the platform (InvestorRegistry + AssetFactory) and write the deployment record.

    python scripts/deploy.py            # the chain from RWAKIT_RPC_URL or `rwakit chain`

Same as `rwakit deploy`; kept thin so it reads like a Brownie script (`main()`).
"""

from __future__ import annotations

from rwakit.chain.transactions import TransactionManager
from rwakit.config import get_settings
from rwakit.deployment import Deployment, deploy_platform
from rwakit.platform import connect


def main() -> Deployment:
    settings = get_settings()
    chain = connect(settings)
    deployment = deploy_platform(chain, TransactionManager(chain.w3))
    deployment.save(settings.deployment_file)
    print(f"registry {deployment.registry}\nfactory  {deployment.factory}\nrecord   {settings.deployment_file}")
    return deployment


if __name__ == "__main__":
    main()
