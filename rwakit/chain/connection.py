"""Connect to a chain: a node by URL or an in-process eth-tester chain."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from rwakit.chain.signer import LocalKeySigner, Signer
from rwakit.config import Settings
from rwakit.errors import ChainUnavailable


@dataclass
class Chain:
    """A web3 connection and the funded accounts that can sign on it (index 0 is the operator)."""

    w3: Web3
    signers: list[Signer]

    @property
    def operator(self) -> Signer:
        return self.signers[0]

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)


def connect_url(url: str, signers: list[Signer], *, timeout: float = 30.0) -> Chain:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    if not w3.is_connected():
        raise ChainUnavailable(f"No JSON-RPC node answers at {url}: start one with `rwakit chain`", url=url)
    return Chain(w3=w3, signers=signers)


def connect_tester() -> Chain:
    """A fresh in-process chain (py-evm): no Node, no ports; for scripts and tests."""
    provider = EthereumTesterProvider()
    tester = provider.ethereum_tester
    assert tester is not None  # the provider builds one when none is given
    keys = tester.backend.account_keys
    return Chain(w3=Web3(provider), signers=[LocalKeySigner.from_private_key(k.to_hex()) for k in keys])


def dev_signers(settings: Settings, count: int = 10) -> list[Signer]:
    """The operator key from settings, else the local chain's funded mnemonic accounts."""
    derived: list[Signer] = [LocalKeySigner.from_mnemonic(settings.mnemonic, i) for i in range(count)]
    if settings.private_key is not None:
        return [LocalKeySigner.from_private_key(settings.private_key.get_secret_value()), *derived]
    return derived
