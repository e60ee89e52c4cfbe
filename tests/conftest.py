"""Shared fixtures: one real node per chain kind per test session, a deployed platform on each,
and a chain snapshot around every test so tests never see each other's transactions.

Tests run on Anvil. Those marked ``every_chain`` that use the chain run once per supported chain
(Anvil, Ganache and the in-process eth-tester chain), grouped by chain; each node starts, and its
platform deploys, on first use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from web3.contract.contract import ContractFunction
from web3.providers.eth_tester import EthereumTesterProvider

from rwakit.chain.connection import Chain, connect_tester, connect_url, dev_signers
from rwakit.chain.node import LocalNode, NodeKind, start_node
from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Signer
from rwakit.config import Settings
from rwakit.contracts import DecodedRevert, decode_revert
from rwakit.platform import Platform
from rwakit.registry import InvestorInput

YEAR = 365 * 24 * 3600
CHAIN_KINDS = ("anvil", "ganache", "tester")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chain_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker("every_chain"):
        metafunc.parametrize("chain_kind", CHAIN_KINDS, indirect=True, scope="session")


class Chains:
    """The session's chains by kind, each started (and its platform deployed) once, on first use.

    Kept outside pytest's fixture cache, which sets a session fixture up again whenever its
    parameter changes: a test on Ganache between two on Anvil must not restart Anvil."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKind, LocalNode] = {}
        self.chains: dict[str, Chain] = {}
        self.platforms: dict[str, Platform] = {}

    def node(self, kind: NodeKind) -> LocalNode:
        if kind not in self.nodes:
            self.nodes[kind] = start_node(kind)
        return self.nodes[kind]

    def chain(self, kind: str) -> Chain:
        if kind not in self.chains:
            if kind == "tester":
                self.chains[kind] = connect_tester()
            else:
                url = self.node(cast(NodeKind, kind)).url
                self.chains[kind] = connect_url(url, dev_signers(Settings(_env_file=None)))
        return self.chains[kind]

    def platform(self, kind: str) -> Platform:
        if kind not in self.platforms:
            self.platforms[kind] = Platform.deploy(self.chain(kind))
        return self.platforms[kind]

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()


@pytest.fixture(scope="session")
def chains() -> Iterator[Chains]:
    pool = Chains()
    yield pool
    pool.stop()


@pytest.fixture(scope="session")
def anvil(chains: Chains) -> LocalNode:
    return chains.node("anvil")


@pytest.fixture(scope="session")
def chain_kind(request: pytest.FixtureRequest) -> str:
    """anvil, or for a test marked every_chain each of CHAIN_KINDS in turn."""
    return str(getattr(request, "param", "anvil"))


@pytest.fixture(scope="session")
def chain(chains: Chains, chain_kind: str) -> Chain:
    return chains.chain(chain_kind)


@pytest.fixture(scope="session")
def platform(chain: Chain, chains: Chains, chain_kind: str) -> Platform:
    """Deployed on `chain`, which every test using the platform thereby gets: _isolated snapshots it."""
    return chains.platform(chain_kind)


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Revert the chain to where it was before the test (only for tests that touch the chain)."""
    if "chain" not in request.fixturenames:
        yield
        return
    chain: Chain = request.getfixturevalue("chain")
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    if "platform" in request.fixturenames:
        request.getfixturevalue("platform").txm.reset_nonce()


@pytest.fixture
def signers(chain: Chain) -> list[Signer]:
    """Index 0 is the operator (admin, registrar, issuer); 1.. are investors' wallets."""
    return chain.signers


def now(chain: Chain) -> int:
    return int(chain.w3.eth.get_block("latest")["timestamp"])


def advance_time(chain: Chain, seconds: int) -> None:
    """Mine a block `seconds` later (eth-tester has no evm_increaseTime: it travels to a timestamp)."""
    provider = chain.w3.provider
    if isinstance(provider, EthereumTesterProvider):
        provider.ethereum_tester.time_travel(now(chain) + seconds)  # type: ignore[union-attr]
        return
    provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def call_revert(call: ContractFunction) -> DecodedRevert | None:
    """The error a view call reverts with, however the chain reports it."""
    try:
        call.call()
    except Exception as exc:
        data = revert_data(exc)
        assert data is not None, exc
        return decode_revert(data)
    raise AssertionError(f"{call.fn_name} did not revert")


def investor(chain: Chain, investor_id: str, *wallets: Signer | str, country: str = "HK",
             investor_class: str = "professional", kyc_seconds: int = YEAR) -> InvestorInput:  # fmt: skip
    """An InvestorInput whose KYC runs `kyc_seconds` past the chain's current time."""
    return InvestorInput(
        investor_id=investor_id,
        wallets=[w if isinstance(w, str) else w.address for w in wallets],
        country=country,
        investor_class=investor_class,
        kyc_expiry=now(chain) + kyc_seconds,
    )
