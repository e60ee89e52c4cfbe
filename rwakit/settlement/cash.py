"""The settlement currency: balances, approvals, and minting where the platform deployed the test coin."""

from __future__ import annotations

from functools import cached_property

from eth_typing import ChecksumAddress
from web3.contract import Contract
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.deployment import Deployment
from rwakit.errors import ConfigError
from rwakit.units import format_units, to_address, to_base_units


def settlement_address(deployment: Deployment, which: str) -> ChecksumAddress:
    """The settlement contract `which` (settlement_token, dvp, distributor) of `deployment`."""
    address = getattr(deployment, which)
    if address is None:
        raise ConfigError(
            "This platform was deployed without a settlement currency, so it has no DvP or distributions: "
            "deploy again with `rwakit deploy --settlement-token 0x...` (a local chain gets a test coin)",
            code="settlement_not_deployed",
        )
    return to_address(str(address))


class CashService:
    def __init__(self, chain: Chain, txm: TransactionManager, deployment: Deployment) -> None:
        self._chain = chain
        self._txm = txm
        self._deployment = deployment

    @cached_property
    def token(self) -> Contract:
        # The test coin's ABI reads any ERC-20 (its extra functions are only called on the test coin).
        return load_artifact("TestStablecoin").at(
            self._chain.w3, settlement_address(self._deployment, "settlement_token")
        )

    @cached_property
    def decimals(self) -> int:
        return int(self.token.functions.decimals().call())

    @cached_property
    def symbol(self) -> str:
        return str(self.token.functions.symbol().call())

    def units(self, amount: str | int) -> int:
        """Base units for '12.5' (an int is already base units)."""
        return to_base_units(amount, self.decimals)

    def display(self, value: int) -> str:
        return format_units(value, self.decimals)

    def balance(self, wallet: str) -> int:
        return int(self.token.functions.balanceOf(to_address(wallet)).call())

    def mint(self, to: str, amount: str | int) -> TxReceipt:
        """New test coins to `to` (the operator holds the minter role). Refused unless the platform deployed
        the test coin: a real stablecoin is minted by its issuer, not by rwakit."""
        if not self._deployment.test_coin:
            raise ConfigError(
                "The settlement currency here is an existing ERC-20, not rwakit's test coin: it cannot be minted "
                "from rwakit; fund wallets from its issuer or an exchange",
                code="not_test_coin",
            )
        value = self.units(amount)
        call = self.token.functions.mint(to_address(to), value)
        return self._txm.transact(self._chain.operator, call, label=f"mint {self.display(value)} {self.symbol} to {to}")

    def approve(self, owner: Signer, spender: str, value: int) -> TxReceipt:
        call = self.token.functions.approve(to_address(spender), value)
        return self._txm.transact(owner, call, label=f"approve {self.display(value)} {self.symbol} for {spender}")
