"""Connect to a chain: a node by URL or an in-process eth-tester chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from web3 import HTTPProvider, Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCEndpoint, RPCResponse

from rwakit.chain.signer import (
    DevKeySigner,
    KeystoreSigner,
    LocalKeySigner,
    Signer,
    read_passphrase,
    terminal_prompt,
    usable_signers,
)
from rwakit.config import DEFAULT_RPC_TIMEOUT, Settings
from rwakit.errors import ChainUnavailable

# web3 retries a timed-out call 5 times by default: a node that does not answer within the timeout is
# taken as down now, so only refused connections and HTTP errors are retried.
_RETRIED = ExceptionRetryConfiguration(errors=(ConnectionError, requests.ConnectionError, requests.HTTPError))
MINING_RACE = "BlockOutOfRangeError"
MINING_RACE_ATTEMPTS = 4


class NodeProvider(HTTPProvider):
    """HTTP JSON-RPC that asks again when Anvil answers a call made while it mines a block with
    BlockOutOfRangeError ("block height is N but requested was N-1"): measured in 2-9 % of API requests
    with several senders (bench/load.py) and on gas estimates (tests/services/test_send_gate.py)."""

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return _asked_again(lambda: super(NodeProvider, self).make_request(method, params))

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        return _asked_again(lambda: super(NodeProvider, self).make_batch_request(batch_requests))


Answer = TypeVar("Answer")


def _asked_again(ask: Callable[[], Answer]) -> Answer:
    """`ask()`'s answer, asked up to MINING_RACE_ATTEMPTS times while it holds a mining race."""
    for attempt in range(MINING_RACE_ATTEMPTS - 1):
        if not _mining_race(answer := ask()):
            return answer
        time.sleep(0.005 * (attempt + 1))
    return ask()


def _mining_race(answer: Any) -> bool:
    """A response, or a batch's, with Anvil's BlockOutOfRangeError in it."""
    answers = answer if isinstance(answer, list) else [answer]
    return any(isinstance(a, dict) and MINING_RACE in str(a.get("error", "")) for a in answers)


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


def http_web3(url: str, timeout: float = DEFAULT_RPC_TIMEOUT) -> Web3:
    """web3 over HTTP: every call gives up after `timeout` seconds (requests.Timeout)."""
    return Web3(NodeProvider(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=_RETRIED))


def connect_url(url: str, signers: list[Signer], *, timeout: float = DEFAULT_RPC_TIMEOUT) -> Chain:
    """The node at `url`, signing with `signers` (the development mnemonic's only on a local chain)."""
    w3 = http_web3(url, timeout)
    if not w3.is_connected():
        raise ChainUnavailable(f"No JSON-RPC node answers at {url}: start one with `rwakit chain`", url=url)
    return Chain(w3=w3, signers=usable_signers(signers, int(w3.eth.chain_id)))


def connect_tester() -> Chain:
    """A fresh in-process chain (py-evm): no Node, no ports; for scripts and tests."""
    provider = EthereumTesterProvider()
    tester = provider.ethereum_tester
    assert tester is not None  # the provider builds one when none is given
    keys = tester.backend.account_keys
    return Chain(w3=Web3(provider), signers=[LocalKeySigner.from_private_key(k.to_hex()) for k in keys])


def dev_signers(settings: Settings, count: int = 10) -> list[Signer]:
    """The operator key from settings (RWAKIT_KEYSTORE, its passphrase from a file, the environment or, on a
    terminal, asked; else RWAKIT_PRIVATE_KEY) first, then the local chain's funded mnemonic accounts
    (dropped by `connect_url` on any other chain)."""
    derived: list[Signer] = [DevKeySigner.from_mnemonic(settings.mnemonic, i) for i in range(count)]
    if settings.keystore is not None:
        prompt = terminal_prompt(f"the operator's keystore {settings.keystore}")
        passphrase = read_passphrase(file=settings.keystore_passphrase_file, prompt=prompt)
        return [KeystoreSigner.load(settings.keystore, passphrase), *derived]
    if settings.private_key is not None:
        return [LocalKeySigner.from_private_key(settings.private_key.get_secret_value()), *derived]
    return derived
