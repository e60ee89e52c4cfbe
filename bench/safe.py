"""Gas of maker-checker custody: a mint and a forced transfer sent through a 2-of-3 Safe (1.4.1, from its
npm artifacts) against the same calls sent directly by a key holding the role, in one run.

Run from the repository root with the virtualenv active:

    python bench/safe.py

One Anvil is started for the run. The platform is deployed, three investors registered and an asset
created; a chain snapshot is taken. The direct figures are sent by the deployer (which holds the issuer
role); then the chain is reverted to the snapshot, a 2-of-3 Safe is created (createProxyWithNonce) and
given every role, and the same calls run as proposals approved by two owners and executed by a third
account. Every figure is the ``gasUsed`` of one real transaction's receipt. Proposals are kept in a
throwaway SQLite file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from eth_typing import HexStr
from hexbytes import HexBytes

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import start_node
from rwakit.chain.signer import DevKeySigner
from rwakit.chain.transactions import MemoryJournal
from rwakit.config import DEV_MNEMONIC, Settings
from rwakit.custody.handover import hand_roles_to
from rwakit.custody.proposals import SafeProposals
from rwakit.custody.safe import SafeSpec, deploy_safe
from rwakit.db import make_engine, migrate
from rwakit.db.audit import SqlAuditLog
from rwakit.db.proposals import SqlProposalStore
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize import AssetSpec

ASSET = "BENCH"
MINT = "1000"
FORCED = "10"


def main() -> int:
    with start_node("anvil") as node, tempfile.TemporaryDirectory() as scratch:
        chain = connect_url(node.url, dev_signers(Settings(_env_file=None)))  # type: ignore[call-arg]
        journal = MemoryJournal()
        platform = Platform.deploy(chain, journal=journal)
        expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + 365 * 24 * 3600
        holders = chain.signers[1:4]
        platform.registry.register_batch(
            [InvestorInput(f"HK-{i}", [w.address], "HK", "professional", expiry) for i, w in enumerate(holders)]
        )
        platform.assets.create(AssetSpec("Bench Tower", ASSET, 0, "property", "1000000000"))
        platform.assets.issue(ASSET, holders[2].address, "1")  # not the token's first mint
        snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]

        token = platform.assets.token(ASSET)
        calls = [
            ("mint", [holders[0].address, int(MINT)]),
            ("forcedTransfer", [holders[0].address, holders[1].address, int(FORCED)]),
        ]
        direct = [
            int(platform.txm.transact(chain.operator, token.functions[name](*args), label=name)["gasUsed"])
            for name, args in calls
        ]

        chain.w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
        platform.txm.reset_nonce()
        owners = [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in (11, 12, 13)]
        safe = deploy_safe(chain, platform.txm, SafeSpec(tuple(o.address for o in owners), 2))
        creation = journal.records[-1].gas_used
        hand_roles_to(platform, safe.address, chain.operator)
        engine = make_engine(f"sqlite:///{Path(scratch) / 'bench.db'}")
        migrate(engine)
        custody = SafeProposals(safe, platform.txm, SqlProposalStore(engine), SqlAuditLog(engine), chain.signers[9])
        # A first Safe transaction that does nothing: the Safe's nonce then costs what it does in steady state.
        gas = [_through(custody, owners, safe.address, b"", "warm-up")]
        gas += [
            _through(custody, owners, token.address, bytes(HexBytes(token.encode_abi(name, args))), name)
            for name, args in calls
        ]
        through_safe = gas[1:]

    rows = [("mint (new holder)", direct[0], through_safe[0]), ("forced transfer", direct[1], through_safe[1])]
    print("| call | direct | through a 2-of-3 Safe | overhead |\n|---|---:|---:|---:|")
    for name, plain, safe_gas in rows:
        print(f"| {name} | {plain:,} | {safe_gas:,} | +{safe_gas - plain:,} (+{(safe_gas - plain) / plain:.0%}) |")
    print(f"| create the 2-of-3 Safe (createProxyWithNonce) | | {creation:,} | |")
    return 0


def _through(custody: SafeProposals, owners: list[DevKeySigner], to: str, data: bytes, label: str) -> int:
    """Propose, approve by two owners (the second approval executes) and return the execution's gas."""
    proposal = custody.propose(to, data, label, maker="bench")
    custody.approve(proposal.id, owners[0], actor="bench", execute=False)
    done = custody.approve(proposal.id, owners[1], actor="bench")
    assert done.tx_hash is not None
    return int(custody.safe.w3.eth.get_transaction_receipt(HexStr(done.tx_hash))["gasUsed"])


if __name__ == "__main__":
    raise SystemExit(main())
