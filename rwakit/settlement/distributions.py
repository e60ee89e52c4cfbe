"""Income distributions over the platform's IncomeDistributor (contracts/settlement/).

Creating one reads the register of holders at the record block (from a `RegisterSource`: the chain scan
here, the read model's query when the lead switches to it), allocates the amount per wallet in exact
integers, builds the StandardMerkleTree and funds the allocated sum. The tree is not stored on chain:
anyone rebuilds it from the distribution's record block and amount (both on chain) and the register, and
`tree()` checks the rebuilt root against the one on chain. Rebuilt once per process: `TREES` keeps the
trees it checked, keyed by chain, distributor, distribution and root (a tree that gives the published
root is the distribution's tree, whichever register it came from).
"""

from __future__ import annotations

import builtins
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.reads import Call, read
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.deployment import Deployment
from rwakit.errors import InvalidInput, NotFound, RwakitError
from rwakit.registry.service import RegistryService
from rwakit.settlement.cash import CashService, settlement_address
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES, Allocation, RegisterSource, allocate
from rwakit.tokenize.service import AssetService
from rwakit.units import to_address

PUSH_BATCH = 50
MAX_PUSH_BATCH = 200  # about 60,000 gas a leaf: a batch stays well under a block
TreeKey = tuple[int, str, int, bytes]  # chain id, distributor, distribution id, root


@dataclass(frozen=True)
class BuiltTree:
    tree: StandardMerkleTree
    positions: dict[str, int]  # wallet -> its leaf's position in tree.values


class TreeCache:
    """The trees this process built and checked against their published roots, the most recent `size`
    kept. `builds` counts the trees built (a public hook: a test sees a second request not rebuild)."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._trees: OrderedDict[TreeKey, BuiltTree] = OrderedDict()
        self._created: dict[TreeKey, int] = {}  # the block of each distribution's DistributionCreated event
        self._lock = threading.Lock()
        self.builds = 0

    def tree(self, key: TreeKey) -> BuiltTree | None:
        with self._lock:
            if (found := self._trees.get(key)) is not None:
                self._trees.move_to_end(key)
            return found

    def keep(self, key: TreeKey, tree: StandardMerkleTree) -> BuiltTree:
        built = BuiltTree(tree, {str(value[1]): i for i, value in enumerate(tree.values)})
        with self._lock:
            self.builds += 1
            self._trees[key] = built
            while len(self._trees) > self._size:
                self._trees.popitem(last=False)
        return built

    def created_block(self, key: TreeKey) -> int | None:
        with self._lock:
            return self._created.get(key)

    def keep_created_block(self, key: TreeKey, block: int) -> None:
        with self._lock:
            self._created[key] = block


TREES = TreeCache()


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


def one_record(record_block: int | None, record_date: date | None) -> None:
    """A distribution's record is a block or a day, not both."""
    if record_block is not None and record_date is not None:
        raise InvalidInput("Give a record block or a record date, not both", code="record_block_and_date")


class DistributionService:
    def __init__(self, chain: Chain, txm: TransactionManager, deployment: Deployment, assets: AssetService,
                 cash: CashService, register: RegisterSource, registry: RegistryService) -> None:  # fmt: skip
        self._chain = chain
        self._txm = txm
        self._deployment = deployment
        self._assets = assets
        self._cash = cash
        self._register = register
        self._registry = registry

    @cached_property
    def distributor(self) -> Contract:
        address = settlement_address(self._deployment, "distributor")
        return load_artifact("IncomeDistributor").at(self._chain.w3, address)

    def allocation(self, asset: str, record_block: int, amount: int) -> Allocation:
        return allocate(self._register.holders_at(self._assets.token(asset).address, record_block), amount)

    def create(self, issuer: Signer, asset: str, amount: str | int, *, deadline_in: int,
               record_block: int | None = None, record_date: date | None = None,
               uri: str = "") -> Distribution:  # fmt: skip
        """Fund `amount` (settlement currency) for the holders of `asset` at `record_block`, or at the last
        block of UTC day `record_date` (neither: the block before the latest, the last one whose register is
        final to this call), claimable for `deadline_in` seconds."""
        plan = self.plan(asset, amount, deadline_in=deadline_in, record_block=record_block, record_date=record_date,
                         uri=uri)  # fmt: skip
        self.approve(issuer, plan)
        return self.created(self.send_create(issuer, plan))

    def plan(self, asset: str, amount: str | int, *, deadline_in: int, record_block: int | None = None,
             record_date: date | None = None, uri: str = "") -> Funding:  # fmt: skip
        """A distribution's register, tree and terms, checked (nothing is sent)."""
        one_record(record_block, record_date)
        latest = self._chain.w3.eth.block_number
        if record_date is not None:
            record_block = self._register.last_block_of(record_date)
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
        """The distribution's tree, rebuilt from the register at its record block and checked against its root
        (once per process: kept in `TREES`)."""
        return self._built(self.get(distribution_id)).tree

    def _key(self, distribution_id: int, root: bytes) -> TreeKey:
        return (self._deployment.chain_id, self.distributor.address, distribution_id, root)

    def _built(self, d: Distribution) -> BuiltTree:
        key = self._key(d.id, d.root)
        if (found := TREES.tree(key)) is not None:
            return found
        allocation = allocate(self._register.holders_at(d.asset, d.record_block), d.amount)
        tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
        if tree.root != d.root:
            raise RegisterMismatch(
                f"The register at block {d.record_block} does not give distribution {d.id}'s root: "
                "the tree must come from where the issuer published it",
                code="register_mismatch",
            )
        return TREES.keep(key, tree)

    def claimable(self, distribution_id: int, wallet: str) -> Claimable:
        """Wallet `wallet`'s leaf, its proof and whether it is paid (NotFound: not a holder of record)."""
        [found] = self.holdings(distribution_id, [to_address(wallet)])
        return found

    def wallets(self, holder: str) -> builtins.list[str]:
        """The wallets of `holder`: a wallet address itself, or every wallet registered to an investor id
        now (the registry's current wallets, as an investor key's rights are checked)."""
        if Web3.is_address(holder):
            return [to_address(holder)]
        return [to_address(w) for w in self._registry.get(holder).wallets]

    def holdings(self, distribution_id: int, wallets: Sequence[str]) -> builtins.list[Claimable]:
        """The leaves of `wallets` (one per wallet of record), in index order, with proofs and whether each
        is paid; NotFound if none of them was a holder of record."""
        built = self._built(self.get(distribution_id))
        found = sorted(i for w in wallets if (i := built.positions.get(to_address(w))) is not None)
        if not found:
            who = ", ".join(wallets)
            raise NotFound(f"{who} was not a holder of record of distribution {distribution_id}",
                           code="not_a_holder_of_record")  # fmt: skip
        tree = built.tree
        paid = self.claimed(distribution_id, [int(tree.values[i][0]) for i in found])
        return [Claimable(distribution_id, int(tree.values[i][0]), str(tree.values[i][1]), int(tree.values[i][2]),
                          tuple(tree.proof(i)), claimed) for i, claimed in zip(found, paid, strict=True)]  # fmt: skip

    def claimed(self, distribution_id: int, indices: Sequence[int]) -> builtins.list[bool]:
        """Whether each leaf index is paid, read in one batch of calls."""
        calls = [Call(self.distributor.address, "isClaimed(uint256,uint256)", (distribution_id, i), "bool")
                 for i in indices]  # fmt: skip
        return [bool(v) for v in read(self._chain.w3, calls)]

    def claim(self, sender: Signer, distribution_id: int, wallet: str) -> TxReceipt:
        """Pay `wallet` its share (anyone may send the claim; the coins go to the wallet)."""
        return self.send_claim(sender, self.claimable(distribution_id, wallet))

    def send_claim(self, sender: Signer, c: Claimable) -> TxReceipt:
        call = self.distributor.functions.claim(c.distribution, c.index, c.wallet, c.amount, list(c.proof))
        return self._txm.transact(sender, call, label=f"claim distribution {c.distribution} for {c.wallet}")

    def to_claim(self, distribution_id: int, holder: str) -> builtins.list[Claimable]:
        """What a claim for `holder` (a wallet or an investor id) sends: each leaf of its wallets not paid
        yet, or, when all are paid, the first (which the contract refuses: DistributionAlreadyClaimed)."""
        leaves = self.holdings(distribution_id, self.wallets(holder))
        return [c for c in leaves if not c.claimed] or leaves[:1]

    def claim_all(
        self, sender: Signer, distribution_id: int, holder: str
    ) -> builtins.list[tuple[Claimable, TxReceipt]]:
        """Pay every leaf of `holder`'s wallets (a wallet, or an investor id's) not paid yet, one transaction
        per leaf: each leaf with its receipt."""
        return [(c, self.send_claim(sender, c)) for c in self.to_claim(distribution_id, holder)]

    def push(self, issuer: Signer, distribution_id: int, *, batch: int = PUSH_BATCH) -> builtins.list[TxReceipt]:
        """The issuer pays every holder of record not yet paid, `batch` leaves a transaction (holders not
        eligible now are skipped on chain: their share waits for them)."""
        if not 0 < batch <= MAX_PUSH_BATCH:
            raise InvalidInput(f"A batch is 1 to {MAX_PUSH_BATCH} leaves, not {batch}", code="invalid_batch")
        tree = self.tree(distribution_id)
        paid = self.claimed(distribution_id, [int(v[0]) for v in tree.values])
        todo = [i for i, done in enumerate(paid) if not done]
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
        amount, uri = self._created(distribution_id, bytes(root), record_block)
        return Distribution(distribution_id, asset, issuer, record_block, bytes(root), amount, allocated,
                            allocated - remaining, deadline, uri)  # fmt: skip

    def _created(self, distribution_id: int, root: bytes, record_block: int) -> tuple[int, str]:
        """The amount and uri of the distribution's DistributionCreated event: read in its block once that is
        known (kept in `TREES`), else looked for from the record block on (it is created after it)."""
        key = self._key(distribution_id, root)
        event = self.distributor.events.DistributionCreated()
        known = TREES.created_block(key)
        if known is not None and known > self._chain.w3.eth.block_number:
            known = None  # a chain rolled back (a reorg, a test's snapshot): look again
        found = [] if known is None else event.get_logs(from_block=known, to_block=known,
                                                         argument_filters={"id": distribution_id})  # fmt: skip
        if not found:
            found = event.get_logs(from_block=record_block, argument_filters={"id": distribution_id})
            TREES.keep_created_block(key, int(found[-1]["blockNumber"]))
        args = found[-1]["args"]
        return int(args["amount"]), str(args["uri"])

    def count(self) -> int:
        return int(self.distributor.functions.distributionCount().call())

    def list(self) -> builtins.list[Distribution]:
        return [self.get(i) for i in range(1, self.count() + 1)]
