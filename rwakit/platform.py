"""Wire a chain, its deployment and the services together: the entry point for Python scripts.

from rwakit.platform import Platform
platform = Platform.from_settings()
platform.assets.issue("HVT", "INV-001", "12.5")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rwakit.chain.connection import Chain, connect_tester, connect_url, dev_signers
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager, TxJournal
from rwakit.config import Settings, get_settings
from rwakit.deployment import Deployment, deploy_platform
from rwakit.errors import ChainUnavailable
from rwakit.registry.service import RegistryService
from rwakit.tokenize.audit import AuditLog, MemoryAuditLog
from rwakit.tokenize.compliance import ComplianceService
from rwakit.tokenize.controls import ControlsService
from rwakit.tokenize.service import AssetService


@dataclass
class Platform:
    chain: Chain
    txm: TransactionManager
    deployment: Deployment
    registry: RegistryService
    assets: AssetService
    compliance: ComplianceService
    controls: ControlsService
    signer: Signer  # signs every role's transactions: the operator, or the proposer of the Safe that holds the roles

    @classmethod
    def open(
        cls,
        chain: Chain,
        deployment: Deployment,
        *,
        journal: TxJournal | None = None,
        audit: AuditLog | None = None,
        acting: Signer | None = None,
    ) -> Platform:
        """Services over an existing deployment; `acting` (default: the chain's operator) signs as registrar,
        issuer, compliance officer and agent; when the roles are held by a Safe it is the Safe's proposer
        (rwakit.custody), and every write becomes a proposal. Controls and rule changes are recorded in
        `audit` (default: kept in this process)."""
        deployment.check_chain(chain)
        txm = TransactionManager(chain.w3, journal=journal)
        operator = acting or chain.operator
        audit = audit or MemoryAuditLog()
        registry = RegistryService(chain, txm, deployment.registry, operator, from_block=deployment.block_number)
        assets = AssetService(chain, txm, deployment.factory, registry, operator, from_block=deployment.block_number)
        return cls(
            chain=chain,
            txm=txm,
            deployment=deployment,
            registry=registry,
            assets=assets,
            compliance=ComplianceService(txm, assets, operator, audit),
            controls=ControlsService(txm, assets, registry, operator, audit),
            signer=operator,
        )

    @classmethod
    def deploy(cls, chain: Chain, *, journal: TxJournal | None = None, audit: AuditLog | None = None) -> Platform:
        """Deploy a fresh platform on `chain` and open it."""
        txm = TransactionManager(chain.w3, journal=journal)
        return cls.open(chain, deploy_platform(chain, txm), journal=journal, audit=audit)

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, journal: TxJournal | None = None, audit: AuditLog | None = None
    ) -> Platform:
        settings = settings or get_settings()
        return cls.open(connect(settings), Deployment.load(settings.deployment_file), journal=journal, audit=audit)


def node_record_path(settings: Settings) -> Path:
    return settings.data_dir / "node.json"


def connect(settings: Settings) -> Chain:
    """The chain settings point at: RWAKIT_RPC_URL, else the node `rwakit chain` is running."""
    if settings.chain_kind == "tester":
        return connect_tester()
    return connect_url(node_url(settings), dev_signers(settings), timeout=settings.rpc_timeout)


def node_url(settings: Settings) -> str:
    """RWAKIT_RPC_URL, else the URL of the node `rwakit chain` is running."""
    if settings.rpc_url:
        return settings.rpc_url
    record = node_record_path(settings)
    if not record.exists():
        raise ChainUnavailable(
            "No chain to connect to: start one with `rwakit chain` or set RWAKIT_RPC_URL", code="chain_unavailable"
        )
    return str(json.loads(record.read_text())["url"])
