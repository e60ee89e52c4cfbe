"""Deploy the money leg: the settlement currency (a test coin on local chains), DvP, distributions and
the factory of the funds' dealing vaults."""

from __future__ import annotations

from dataclasses import dataclass

from web3.providers.eth_tester import EthereumTesterProvider

from rwakit.chain.connection import Chain
from rwakit.chain.node import ANVIL_CHAIN_ID, GANACHE_CHAIN_ID
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.errors import ConfigError

# The test coin: Hong Kong dollars with a stablecoin's usual 6 decimals.
TEST_COIN_NAME = "Test Hong Kong Dollar"
TEST_COIN_SYMBOL = "HKD"
TEST_COIN_DECIMALS = 6


@dataclass(frozen=True)
class SettlementAddresses:
    settlement_token: str
    test_coin: bool
    dvp: str
    distributor: str
    fund_vaults: str


def is_local_chain(chain: Chain) -> bool:
    """Anvil, Ganache or the in-process chain: where the platform may mint its own settlement coin."""
    return chain.chain_id in (ANVIL_CHAIN_ID, GANACHE_CHAIN_ID) or isinstance(chain.w3.provider, EthereumTesterProvider)


def deploy_settlement(
    chain: Chain, txm: TransactionManager, factory: str, settlement_token: str | None = None
) -> SettlementAddresses:
    """Deploy DvP, the income distributor and the fund vault factory over `settlement_token` (an existing
    ERC-20), or on a local chain over a freshly deployed test coin (the operator holds its minter role)."""
    operator = chain.operator
    test_coin = settlement_token is None
    if settlement_token is None:
        if not is_local_chain(chain):
            raise ConfigError(
                f"Chain {chain.chain_id} is not a local chain, so no test coin is deployed on it: "
                "give the settlement currency's ERC-20 address (`rwakit deploy --settlement-token 0x...`)",
                code="settlement_token_required",
            )
        coin = load_artifact("TestStablecoin").factory(chain.w3)
        settlement_token, _ = txm.deploy(
            operator,
            coin.constructor(TEST_COIN_NAME, TEST_COIN_SYMBOL, TEST_COIN_DECIMALS, operator.address),
            label="deploy TestStablecoin",
        )
    elif not chain.w3.eth.get_code(chain.w3.to_checksum_address(settlement_token)):
        raise ConfigError(
            f"No contract at settlement token address {settlement_token}", code="settlement_token_missing"
        )
    dvp, _ = txm.deploy(
        operator,
        load_artifact("DeliveryVersusPayment")
        .factory(chain.w3)
        .constructor(settlement_token, factory, operator.address),
        label="deploy DeliveryVersusPayment",
    )
    distributor, _ = txm.deploy(
        operator,
        load_artifact("IncomeDistributor").factory(chain.w3).constructor(settlement_token, factory),
        label="deploy IncomeDistributor",
    )
    fund_vaults, _ = txm.deploy(
        operator,
        load_artifact("FundVaultFactory").factory(chain.w3).constructor(factory, settlement_token),
        label="deploy FundVaultFactory",
    )
    return SettlementAddresses(str(settlement_token), test_coin, dvp, distributor, fund_vaults)
