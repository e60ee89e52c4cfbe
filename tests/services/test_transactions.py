"""The transaction manager: journal, nonces, typed reverts."""

from __future__ import annotations

import pytest

from rwakit.chain.connection import Chain
from rwakit.chain.transactions import MemoryJournal, TransactionManager, TxRecord
from rwakit.contracts import load_artifact
from rwakit.errors import AccessDenied, ComplianceError
from rwakit.platform import Platform


def test_every_transaction_is_journalled_from_signing_to_receipt(chain: Chain) -> None:
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal)
    address, receipt = txm.deploy(
        chain.operator, load_artifact("PlainERC20").factory(chain.w3).constructor(), label="plain"
    )
    (record,) = journal.records
    assert record.status == "mined" and record.tx_hash == receipt["transactionHash"].to_0x_hex()
    assert record.gas_used == receipt["gasUsed"] and record.block_number == receipt["blockNumber"]
    assert address == receipt["contractAddress"]


def test_nonces_resync_after_a_transaction_sent_elsewhere(chain: Chain) -> None:
    first, second = TransactionManager(chain.w3), TransactionManager(chain.w3)
    factory = load_artifact("PlainERC20").factory(chain.w3)
    first.deploy(chain.operator, factory.constructor(), label="one")
    second.deploy(chain.operator, factory.constructor(), label="two")  # first's nonce is now stale
    address, _ = first.deploy(chain.operator, factory.constructor(), label="three")
    assert chain.w3.eth.get_code(address)


def test_a_revert_is_caught_before_signing_and_nothing_is_sent(platform: Platform, chain: Chain) -> None:
    journal = MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal)
    outsider = chain.signers[9]
    call = platform.registry.contract.functions.revokeInvestor(b"x".ljust(32, b"\0"))
    nonce = chain.w3.eth.get_transaction_count(outsider.address)
    with pytest.raises(AccessDenied) as refused:
        txm.transact(outsider, call, label="revoke")
    assert refused.value.error == "AccessControlUnauthorizedAccount"
    assert journal.records == [] and chain.w3.eth.get_transaction_count(outsider.address) == nonce


def test_a_revert_inside_a_mined_transaction_is_decoded(platform: Platform, chain: Chain) -> None:
    """Gas is given explicitly so the node mines the failing transaction; the reason is replayed."""
    from rwakit.tokenize import AssetSpec

    platform.assets.create(AssetSpec("Tower", "TWR", 6, "property", "100"))
    token = platform.assets.token("TWR")
    tx = dict(token.functions.mint(chain.signers[8].address, 1).build_transaction(
        {"from": chain.operator.address, "gas": 200_000, "chainId": chain.chain_id}
    ))  # fmt: skip
    with pytest.raises(ComplianceError) as refused:
        platform.txm._send(chain.operator, tx, "mint to a stranger")
    assert refused.value.reason == "receiver_not_registered"
    record = platform.txm.journal.records[-1]  # type: ignore[attr-defined]
    assert record.status == "reverted" and record.tx_hash is not None


def test_the_hash_is_journalled_before_broadcast(chain: Chain) -> None:
    """A crash between signing and sending must leave a record that can be looked up on chain."""
    seen: list[tuple[str, str | None]] = []

    class Snapshots(MemoryJournal):
        def record(self, record: TxRecord) -> None:
            seen.append((record.status, record.tx_hash))
            super().record(record)

    txm = TransactionManager(chain.w3, journal=Snapshots())
    _, receipt = txm.deploy(chain.operator, load_artifact("PlainERC20").factory(chain.w3).constructor(), label="p")
    assert seen[0] == ("signed", receipt["transactionHash"].to_0x_hex())


def test_a_journal_failure_sends_nothing_and_frees_the_nonce(chain: Chain) -> None:
    class Broken(MemoryJournal):
        def record(self, record: TxRecord) -> None:
            raise OSError("disk full")

    txm = TransactionManager(chain.w3, journal=Broken())
    factory = load_artifact("PlainERC20").factory(chain.w3)
    nonce = chain.w3.eth.get_transaction_count(chain.operator.address)
    with pytest.raises(OSError):
        txm.deploy(chain.operator, factory.constructor(), label="p")
    assert chain.w3.eth.get_transaction_count(chain.operator.address) == nonce
    txm.journal = MemoryJournal()
    txm.deploy(chain.operator, factory.constructor(), label="p")  # reuses the freed nonce
    assert chain.w3.eth.get_transaction_count(chain.operator.address) == nonce + 1
