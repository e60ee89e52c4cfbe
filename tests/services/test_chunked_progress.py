"""Chunked registration and issuance on a real Anvil: one transaction per chunk, every row checked before
the first is sent, and the progress callback told (done, total) after each chunk, ending at the total."""

from __future__ import annotations

import pytest

from rwakit.chain.signer import Signer
from rwakit.errors import RwakitError
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize.models import AssetSpec
from tests.conftest import investor


def _investors(platform: Platform, signers: list[Signer], count: int, prefix: str = "CH") -> list[InvestorInput]:
    return [investor(platform.chain, f"{prefix}-{n:04d}", signers[n + 1]) for n in range(count)]


def _asset(platform: Platform) -> str:
    spec = AssetSpec("Chunk Tower", "CHT", 2, "property", "1000000", "https://x.example/o.pdf", "0x" + "ab" * 32)
    return platform.assets.create(spec).address


def test_registration_in_chunks_reports_each_chunk(platform: Platform, signers: list[Signer]) -> None:
    calls: list[tuple[int, int]] = []
    receipts = platform.registry.register_chunked(
        _investors(platform, signers, 5), chunk_size=2, progress=lambda done, total: calls.append((done, total))
    )
    assert len(receipts) == 3 and all(r["status"] == 1 for r in receipts)
    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert all(platform.registry.get(f"CH-{n:04d}").verified for n in range(5))


def test_registration_in_chunks_without_a_callback_and_in_one_chunk(platform: Platform, signers: list[Signer]) -> None:
    receipts = platform.registry.register_chunked(_investors(platform, signers, 3), chunk_size=1000)
    assert len(receipts) == 1 and platform.registry.count() >= 3


@pytest.mark.parametrize("size", [0, -1])
def test_registration_refuses_an_empty_chunk_size(platform: Platform, signers: list[Signer], size: int) -> None:
    with pytest.raises(RwakitError) as refused:
        platform.registry.register_chunked(_investors(platform, signers, 2), chunk_size=size)
    assert refused.value.code == "invalid_chunk_size"


def test_registration_checks_every_row_before_sending(platform: Platform, signers: list[Signer]) -> None:
    rows = _investors(platform, signers, 4)
    calls: list[tuple[int, int]] = []
    twice = [*rows, rows[0]]
    with pytest.raises(RwakitError) as refused:
        platform.registry.register_chunked(twice, chunk_size=2, progress=lambda d, t: calls.append((d, t)))
    assert refused.value.code == "duplicate_investor"
    bad = [*rows[:3], InvestorInput("CH-9999", ["0x1234"], "HK", "retail", rows[0].kyc_expiry)]
    with pytest.raises(RwakitError) as refused:
        platform.registry.register_chunked(bad, chunk_size=2, progress=lambda d, t: calls.append((d, t)))
    assert refused.value.code == "invalid_address"
    with pytest.raises(RwakitError) as refused:
        platform.registry.register_chunked([], chunk_size=2)
    assert refused.value.code == "empty_batch"
    assert calls == [] and platform.registry.count() == 0


def test_a_refused_chunk_stops_the_run_after_the_chunks_before_it(platform: Platform, signers: list[Signer]) -> None:
    platform.registry.register(investor(platform.chain, "CH-0003", signers[9]))  # already there: chunk 2 reverts
    calls: list[tuple[int, int]] = []
    with pytest.raises(RwakitError):
        platform.registry.register_chunked(
            _investors(platform, signers, 6), chunk_size=2, progress=lambda d, t: calls.append((d, t))
        )
    assert calls == [(2, 6)]
    assert platform.registry.get("CH-0001").verified
    with pytest.raises(RwakitError):
        platform.registry.get("CH-0002")  # the refused chunk registered no one


def test_issuance_in_chunks_reports_each_chunk(platform: Platform, signers: list[Signer]) -> None:
    platform.registry.register_chunked(_investors(platform, signers, 5), chunk_size=10)
    asset = _asset(platform)
    calls: list[tuple[int, int]] = []
    rows = [(f"CH-{n:04d}", "1.5") for n in range(4)] + [(signers[5].address, 2)]
    receipts = platform.assets.issue_chunked(asset, rows, chunk_size=2, progress=lambda d, t: calls.append((d, t)))
    assert len(receipts) == 3 and calls == [(2, 5), (4, 5), (5, 5)]
    assert [platform.assets.balance(asset, signers[n + 1].address) for n in range(5)] == [150, 150, 150, 150, 2]


def test_issuance_checks_every_row_before_sending(platform: Platform, signers: list[Signer]) -> None:
    platform.registry.register_chunked(_investors(platform, signers, 3), chunk_size=10)
    asset = _asset(platform)
    calls: list[tuple[int, int]] = []
    for rows, code in [
        ([("CH-0000", "1"), ("CH-0001", "0")], "invalid_amount"),
        ([("CH-0000", "1"), ("CH-0001", "0.001")], "too_many_decimals"),  # finer than the asset's 2 decimals
        ([("CH-0000", "1"), ("NOBODY", "1")], "investor_not_found"),
        ([], "empty_batch"),
    ]:
        with pytest.raises(RwakitError) as refused:
            platform.assets.issue_chunked(asset, rows, chunk_size=1, progress=lambda d, t: calls.append((d, t)))
        assert refused.value.code == code
    with pytest.raises(RwakitError) as refused:
        platform.assets.issue_chunked(asset, [("CH-0000", "1")], chunk_size=0)
    assert refused.value.code == "invalid_chunk_size"
    with pytest.raises(RwakitError) as refused:
        platform.assets.issue_chunked("NOPE", [("CH-0000", "1")], chunk_size=1)
    assert refused.value.code == "asset_not_found"
    assert calls == [] and platform.assets.balance(asset, signers[1].address) == 0


def test_a_refused_issuance_chunk_stops_the_run(platform: Platform, signers: list[Signer]) -> None:
    platform.registry.register_chunked(_investors(platform, signers, 2), chunk_size=10)
    asset = _asset(platform)
    calls: list[tuple[int, int]] = []
    stranger = signers[8].address  # not registered: the token refuses the mint
    rows = [("CH-0000", "1"), ("CH-0001", "1"), (stranger, "1"), ("CH-0000", "1")]
    with pytest.raises(RwakitError):
        platform.assets.issue_chunked(asset, rows, chunk_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 4)]
    assert platform.assets.balance(asset, signers[1].address) == 100
    assert platform.assets.balance(asset, stranger) == 0


def test_issuance_in_one_chunk_of_a_huge_size(platform: Platform, signers: list[Signer]) -> None:
    platform.registry.register_chunked(_investors(platform, signers, 2), chunk_size=10)
    asset = _asset(platform)
    receipts = platform.assets.issue_chunked(asset, [("CH-0000", "1"), ("CH-0000", "2")], chunk_size=10**9)
    assert len(receipts) == 1 and platform.assets.balance(asset, signers[1].address) == 300
