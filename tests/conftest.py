"""Shared fixtures: one real Anvil node per test session, a deployed platform, and a chain
snapshot around every test so tests never see each other's transactions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rwakit.chain.connection import Chain, connect_url, dev_signers
from rwakit.chain.node import LocalNode, start_node
from rwakit.chain.signer import Signer
from rwakit.config import Settings
from rwakit.platform import Platform
from rwakit.registry import InvestorInput

YEAR = 365 * 24 * 3600


@pytest.fixture(scope="session")
def anvil() -> Iterator[LocalNode]:
    node = start_node("anvil")
    yield node
    node.stop()


@pytest.fixture(scope="session")
def chain(anvil: LocalNode) -> Chain:
    return connect_url(anvil.url, dev_signers(Settings(_env_file=None)))  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def platform(chain: Chain) -> Platform:
    return Platform.deploy(chain)


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
    chain.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    chain.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


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
