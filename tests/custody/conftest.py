"""A platform whose roles a 2-of-3 Safe holds, per test (the chain snapshot undoes the handover), with
proposals kept in SQLite and, when RWAKIT_TEST_POSTGRES_URL names a server, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from rwakit.chain.connection import Chain
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import DEV_MNEMONIC
from rwakit.contracts import load_artifact
from rwakit.custody.handover import hand_roles_to
from rwakit.custody.proposals import SafeProposals, SafeProposer
from rwakit.custody.safe import SafeAccount, SafeSpec, deploy_safe
from rwakit.db.audit import SqlAuditLog
from rwakit.db.proposals import SqlProposalStore
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.api.conftest import clear_tables
from tests.api.conftest import db_engine as db_engine  # the SQLite and PostgreSQL variants
from tests.conftest import investor

FUND = "SAFEFUND"
OWNER_INDEXES = (11, 12, 13)  # the mnemonic's accounts past the ten the tests fund and use
ASSET = "SAFE"


@dataclass
class Custodied:
    platform: Platform  # as the deployer opened it: its operator no longer holds any role
    proposing: Platform  # the same deployment, every write proposed to the Safe
    safe: SafeAccount
    custody: SafeProposals
    owners: list[Signer]
    audit: SqlAuditLog
    investors: list[Signer]


def owner_signers() -> list[Signer]:
    return [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in OWNER_INDEXES]


def open_fund_vault(platform: Platform, chain: Chain) -> None:
    """A fund asset and its dealing vault, created by the operator (its admin, valuer and manager)."""
    platform.assets.create(
        AssetSpec(name="Safe Fund", symbol=FUND, kind="fund", decimals=0, shares_authorised="1000000")
    )
    assert platform.deployment.fund_vaults is not None, "a local chain's deployment has the vault factory"
    vaults = load_artifact("FundVaultFactory").at(chain.w3, platform.deployment.fund_vaults)
    operator = chain.operator.address
    terms = (operator, 0, 0, 1000, 86400, operator, 0, 0)
    call = vaults.functions.createVault(platform.assets.token(FUND).address, 3600, 10**18, terms, operator, operator)
    platform.txm.transact(chain.operator, call, label="open the fund's vault")


@pytest.fixture
def custodied(platform: Platform, chain: Chain, db_engine: Engine) -> Iterator[Custodied]:
    investors = chain.signers[1:4]
    platform.registry.register_batch(
        [investor(chain, f"HK-{i}", wallet) for i, wallet in enumerate(investors, start=1)]
    )
    platform.assets.create(
        AssetSpec(name="Safe Tower", symbol=ASSET, kind="property", decimals=0, shares_authorised="1000000")
    )
    open_fund_vault(platform, chain)  # a vault whose roles the handover moves too
    owners = owner_signers()
    safe = deploy_safe(chain, platform.txm, SafeSpec(owners=tuple(o.address for o in owners), threshold=2))
    hand_roles_to(platform, safe.address, chain.operator)
    audit = SqlAuditLog(db_engine)
    custody = SafeProposals(safe, platform.txm, SqlProposalStore(db_engine), audit, executor=chain.signers[9])
    proposing = Platform.open(chain, platform.deployment, acting=SafeProposer(custody, default_maker="test maker"))
    yield Custodied(platform, proposing, safe, custody, owners, audit, investors)
    clear_tables(db_engine)
