"""What one running API holds: settings, the database engine, the platform (opened lazily, so the
API starts and answers /health while the chain is down), the custody of custodial keys, and the
read model (the index and its background indexer, rwakit/api/reads.py)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from rwakit.api.reads import NotingJournal, ReadModel
from rwakit.api.services.custody import Custody, DevCustody, NoCustody
from rwakit.api.services.keyed_steps import StepFaults
from rwakit.config import Settings
from rwakit.custody.proposals import SafeProposals, SafeProposer
from rwakit.custody.safe import SafeAccount
from rwakit.db import SqlJournal, make_engine, migrate
from rwakit.db.audit import SqlAuditLog
from rwakit.db.engine import DatabaseUnavailable
from rwakit.db.proposals import SqlProposalStore
from rwakit.db.send_gate import send_gate
from rwakit.deployment import Deployment
from rwakit.platform import Platform, connect
from rwakit.tokenize.compliance import ComplianceService
from rwakit.tokenize.controls import ControlsService

if TYPE_CHECKING:
    from rwakit.api.services.issuance_queue import IssuanceQueue

log = logging.getLogger("rwakit.api")


class Runtime:
    def __init__(self, settings: Settings, *, engine: Engine | None = None, platform: Platform | None = None) -> None:
        self.settings = settings
        self.engine = engine if engine is not None else make_engine(settings.db_url)
        self.journal = SqlJournal(self.engine)
        self.audit = SqlAuditLog(self.engine)
        self.faults: StepFaults | None = None  # where a test makes a keyed request crash; None in production
        self.reads = ReadModel(self.engine, settings)
        self.sender: IssuanceQueue | None = None  # started with the API unless RWAKIT_SENDER=false
        self._custody: Custody | None = None
        self.proposals: SafeProposals | None = None  # when a Safe holds the platform's roles
        self._tables_ready = False
        self._lock = threading.Lock()
        self._platform = None if platform is None else self._adopt(platform)

    def _adopt(self, platform: Platform) -> Platform:
        """Route the platform's transactions into the SQL journal, and its control actions and rule
        changes into the audit trail in the API's database (whatever audit log the platform was
        opened with). When a Safe holds the platform's roles, the platform is reopened with the Safe's
        proposer: every write then becomes a proposal, kept in the API's database."""
        gate = send_gate(self.engine, platform.chain.w3)  # other workers send with the same keys
        platform.txm.gate = gate  # the Safe's executor sends through this one
        platform.txm.stuck_after = self.settings.tx_stuck_seconds
        if platform.deployment.safe is not None:
            self.proposals = SafeProposals(
                SafeAccount.at(platform.chain.w3, platform.deployment.safe),
                platform.txm,
                SqlProposalStore(self.engine),
                self.audit,
                executor=platform.chain.operator,  # pays for execTransaction; holds no role
            )
            proposer = SafeProposer(self.proposals, default_maker="api")
            platform = Platform.open(platform.chain, platform.deployment, audit=self.audit, acting=proposer)
        platform.txm.journal = NotingJournal(self.journal, self.reads)  # reads wait for this process's writes
        platform.txm.gate = gate
        platform.txm.stuck_after = self.settings.tx_stuck_seconds
        self.journal.attach(platform.txm)
        signer = platform.signer  # the agent and compliance officer Platform.open gives the services
        platform.controls = ControlsService(platform.txm, platform.assets, platform.registry, signer, self.audit)
        platform.compliance = ComplianceService(platform.txm, platform.assets, signer, self.audit)
        return platform

    def startup(self) -> None:
        """Migrate the database to the newest revision and start the indexer if the database and the
        chain answer; if not, the API starts anyway and retries on each request. A schema the
        migrations cannot bring up to date (SchemaMismatch) stops the start: serving on tables the code
        does not expect would corrupt them."""
        try:
            self.ensure_tables()
        except DatabaseUnavailable as exc:
            log.warning("%s (the API will retry on each request)", exc.message)
            return
        if self.settings.sender:
            self.sender = self.issuance_queue()
            self.sender.start()  # opens the platform itself, retrying while the chain is down
        try:
            self.reads.start(self.platform)
        except Exception as exc:
            log.warning("indexer not started: %s (the API will retry on each read)", exc)

    def issuance_queue(self) -> IssuanceQueue:
        from rwakit.api.services.issuance_queue import IssuanceQueue  # it imports the services, which import us

        return IssuanceQueue(self.engine, lambda: self.platform, self.settings, faults=lambda: self.faults)

    def wake_sender(self) -> None:
        if self.sender is not None:
            self.sender.wake()

    def shutdown(self) -> None:
        self.close_sender()
        self.reads.stop()

    def close_sender(self) -> None:
        if self.sender is not None:
            self.sender.stop()
            self.sender = None

    def ensure_tables(self) -> None:
        """Upgrade to head once per process (several processes wait on each other: rwakit.db.schema)."""
        if self._tables_ready:
            return
        with self._lock:
            if not self._tables_ready:
                migrate(self.engine)
                self._tables_ready = True

    @property
    def platform(self) -> Platform:
        """The platform over the deployment in settings; raises ChainUnavailable/DeploymentMissing (503)."""
        if self._platform is None:
            with self._lock:
                if self._platform is None:
                    platform = Platform.open(
                        connect(self.settings),
                        Deployment.load(self.settings.deployment_file),
                        journal=self.journal,
                        audit=self.audit,
                    )
                    self._platform = self._adopt(platform)
        return self._platform

    @property
    def platform_if_open(self) -> Platform | None:
        return self._platform

    @property
    def custody(self) -> Custody:
        if self._custody is None:
            if self.settings.custody == "dev":
                self._custody = DevCustody(self.platform.chain.signers)
            else:
                self._custody = NoCustody()
        return self._custody

    def close(self) -> None:
        self.close_sender()
        self.reads.stop()
        self.engine.dispose()
