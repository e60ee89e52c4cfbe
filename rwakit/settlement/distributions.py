"""Income distributions over the platform's IncomeDistributor (contracts/settlement/).

Creating one reads the register of holders at the record block (from a `RegisterSource`: the chain scan
here, the read model's query when the lead switches to it), allocates the amount per wallet in exact
integers, builds the StandardMerkleTree and funds the allocated sum. The tree is not stored: anyone
rebuilds it from the distribution's record block and amount (both on chain) and the register, and
`tree()` checks the rebuilt root against the one on chain.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import cached_property

from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.deployment import Deployment
from rwakit.errors import InvalidInput, NotFound, RwakitError
from rwakit.settlement.cash import CashService, settlement_address
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES, Allocation, RegisterSource, allocate
from rwakit.tokenize.service import AssetService
from rwakit.units import to_address

PUSH_BATCH = 50
MAX_PUSH_BATCH = 200  # about 60,000 gas a leaf: a batch stays well under a block


class RegisterMismatch(RwakitError):
    """The register rebuilt now does not give the root published on chain."""

    code = "register_mismatch"


@dataclass(frozen=True)
class Distribution:
    id: int
    asset: str
    issuer: str
    record_block: int
    root: bytes
    amount: int  # what the issuer set out to pay; amount - allocated is the remainder it kept
    allocated: int
    claimed: int  # paid out, reclaimed included
    deadline: int
    uri: str

    @property
    def remainder(self) -> int:
        return self.amount - self.allocated


@dataclass(frozen=True)
class Funding:
    """A distribution checked and built, in base units: what :meth:`DistributionService.send_create` sends."""

    token: str
    record_block: int
    root: bytes
    amount: int
    allocated: int
    deadline: int  # unix seconds
    uri: str
    label: str


@dataclass(frozen=True)
class Claimable:
    distribution: int
    index: int
    wallet: str
    amount: int
    proof: tuple[bytes, ...]
    claimed: bool


class DistributionService:
    def __init__(self, chain: Chain, txm: TransactionManager, deployment: Deployment, assets: AssetService,
                 cash: CashService, register: RegisterSource) -> None:  # fmt: skip
        self._chain = chain
        self._txm = txm
        self._deployment = deployment
        self._assets = assets
        self._cash = cash
        self._register = register

    @cached_property
    def distributor(self) -> Contract:
        address = settlement_address(self._deployment, "distributor")
        return load_artifact("IncomeDistributor").at(self._chain.w3, address)

    def allocation(self, asset: str, record_block: int, amount: int) -> Allocation:
        return allocate(self._register.holders_at(self._assets.token(asset).address, record_block), amount)

    def create(self, issuer: Signer, asset: str, amount: str | int, *, deadline_in: int,
               record_block: int | None = None, uri: str = "") -> Distribution:  # fmt: skip
        """Fund `amount` (settlement currency) for the holders of `asset` at `record_block` (default: the
        block before the latest, the last one whose register is final to this call), claimable for
        `deadline_in` seconds."""
        plan = self.plan(asset, amount, deadline_in=deadline_in, record_block=record_block, uri=uri)
        self.approve(issuer, plan)
        return self.created(self.send_create(issuer, plan))

    def plan(self, asset: str, amount: str | int, *, deadline_in: int, record_block: int | None = None,
             uri: str = "") -> Funding:  # fmt: skip
        """A distribution's register, tree and terms, checked (nothing is sent)."""
        latest = self._chain.w3.eth.block_number
        block = latest - 1 if record_block is None else record_block
        if not 0 <= block < latest:
            raise InvalidInput(f"The record block must be mined and before the latest ({latest}), not {block}",
                               code="invalid_record_block")  # fmt: skip
        if deadline_in <= 0:
            raise InvalidInput(f"The deadline must be in the future, not in {deadline_in} s", code="invalid_deadline")
        token = self._assets.token(asset)
        allocation = self.allocation(asset, block, self._cash.units(amount))
        tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
        deadline = int(self._chain.w3.eth.get_block("latest")["timestamp"]) + deadline_in
        label = f"distribute {self._cash.display(allocation.amount)} {self._cash.symbol} to {asset} holders"
        return Funding(token.address, block, tree.root, allocation.amount, allocation.allocated, deadline, uri, label)

    def approve(self, issuer: Signer, plan: Funding) -> None:
        """Approve the allocated sum to the distributor (an allowance: sending it again only sets it again)."""
        self._cash.approve(issuer, self.distributor.address, plan.allocated)

    def send_create(self, issuer: Signer, plan: Funding) -> TxReceipt:
        """The one transaction that funds the distribution (approved first: :meth:`approve`)."""
        call = self.distributor.functions.create(
            plan.token, plan.record_block, plan.root, plan.amount, plan.allocated, plan.deadline, plan.uri
        )  # fmt: skip
        return self._txm.transact(issuer, call, label=plan.label)

    def created(self, receipt: TxReceipt) -> Distribution:
        """The distribution a mined funding transaction created."""
        [event] = self.distributor.events.DistributionCreated().process_receipt(receipt, errors=DISCARD)
        return self.get(int(event["args"]["id"]))

    def tree(self, distribution_id: int) -> StandardMerkleTree:
        """The distribution's tree, rebuilt from the register at its record block and checked against its root."""
        d = self.get(distribution_id)
        allocation = allocate(self._register.holders_at(d.asset, d.record_block), d.amount)
        tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
        if tree.root != d.root:
            raise RegisterMismatch(
                f"The register at block {d.record_block} does not give distribution {distribution_id}'s root: "
                "the tree must come from where the issuer published it",
                code="register_mismatch",
            )
        return tree

    def claimable(self, distribution_id: int, wallet: str) -> Claimable:
        address = to_address(wallet)
        tree = self.tree(distribution_id)
        for i, (index, account, amount) in enumerate(tree.values):
            if account == address:
                claimed = bool(self.distributor.functions.isClaimed(distribution_id, index).call())
                return Claimable(distribution_id, index, account, amount, tuple(tree.proof(i)), claimed)
        raise NotFound(f"{address} was not a holder of record of distribution {distribution_id}",
                       code="not_a_holder_of_record")  # fmt: skip

    def claim(self, sender: Signer, distribution_id: int, wallet: str) -> TxReceipt:
        """Pay `wallet` its share (anyone may send the claim; the coins go to the wallet)."""
        c = self.claimable(distribution_id, wallet)
        call = self.distributor.functions.claim(distribution_id, c.index, c.wallet, c.amount, list(c.proof))
        return self._txm.transact(sender, call, label=f"claim distribution {distribution_id} for {c.wallet}")

    def push(self, issuer: Signer, distribution_id: int, *, batch: int = PUSH_BATCH) -> builtins.list[TxReceipt]:
        """The issuer pays every holder of record not yet paid, `batch` leaves a transaction (holders not
        eligible now are skipped on chain: their share waits for them)."""
        if not 0 < batch <= MAX_PUSH_BATCH:
            raise InvalidInput(f"A batch is 1 to {MAX_PUSH_BATCH} leaves, not {batch}", code="invalid_batch")
        tree = self.tree(distribution_id)
        is_claimed = self.distributor.functions.isClaimed
        todo = [i for i, v in enumerate(tree.values) if not is_claimed(distribution_id, v[0]).call()]
        receipts = []
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            call = self.distributor.functions.push(
                distribution_id, [tree.values[i] for i in part], [tree.proof(i) for i in part]
            )
            label = f"push distribution {distribution_id} to {len(part)} holders"
            receipts.append(self._txm.transact(issuer, call, label=label))
        return receipts

    def reclaim(self, issuer: Signer, distribution_id: int) -> TxReceipt:
        call = self.distributor.functions.reclaim(distribution_id)
        return self._txm.transact(issuer, call, label=f"reclaim distribution {distribution_id}")

    def get(self, distribution_id: int) -> Distribution:
        if not 0 < distribution_id <= self.count():
            raise NotFound(f"No distribution {distribution_id}: `rwakit distribution list` shows them",
                           code="distribution_not_found")  # fmt: skip
        asset, remaining, root, issuer, deadline, record_block, allocated = self.distributor.functions.distribution(
            distribution_id
        ).call()
        created = self.distributor.events.DistributionCreated().get_logs(
            from_block=self._deployment.block_number, argument_filters={"id": distribution_id}
        )
        amount, uri = created[0]["args"]["amount"], created[0]["args"]["uri"]
        return Distribution(distribution_id, asset, issuer, record_block, bytes(root), amount, allocated,
                            allocated - remaining, deadline, uri)  # fmt: skip

    def count(self) -> int:
        return int(self.distributor.functions.distributionCount().call())

    def list(self) -> builtins.list[Distribution]:
        return [self.get(i) for i in range(1, self.count() + 1)]
