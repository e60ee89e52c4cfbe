"""The ruled asset the compliance and controls tests share, built once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rwakit.chain.connection import Chain
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.conftest import investor
from tests.contracts.rwa import ALICE, ALICE_HOLDS, BOB, BOB_HOLDS, CAROL, DAVE, DECIMALS, RuledAsset


@pytest.fixture(scope="module")
def ruled(platform: Platform, chain: Chain) -> Iterator[RuledAsset]:
    """Built inside its own snapshot; every test's snapshot then reverts to it."""
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    s = chain.signers
    platform.registry.register_batch([
        investor(chain, ALICE, s[1], s[4], country="HK", investor_class="professional"),
        investor(chain, BOB, s[2], s[5], country="SG", investor_class="professional"),
        investor(chain, CAROL, s[3], country="US", investor_class="retail"),
        investor(chain, DAVE, s[6], country="GB", investor_class="institutional"),
    ])  # fmt: skip
    spec = AssetSpec("Kowloon Logistics Park", "KLP", DECIMALS, "property", "1000000", investor_limits=True)
    token = platform.assets.token(platform.assets.create(spec).address)
    platform.assets.issue_batch("KLP", [(s[1].address, ALICE_HOLDS), (s[2].address, BOB_HOLDS)])
    yield RuledAsset(platform, chain, "KLP", token, chain.operator, s[1], s[4], s[2], s[5], s[3], s[6], s[7], s[9])
    chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
    platform.txm.reset_nonce()
