"""The indexer's loop: from the cursor to the head in batches of blocks, rolling back reorgs.

Per batch: check that the cursor block is still the node's (else roll back to the newest stored
block the node still has); read the registry's and factory's logs first (they announce new
assets), then every asset's; fetch the headers of the blocks with events and of the batch's last
block, checking that the logs came from exactly those blocks; write it all in one transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_typing import HexStr
from sqlalchemy import select
from sqlalchemy.engine import Engine
from web3 import Web3

from rwakit.chain.reads import Call, StaleBlock, read
from rwakit.chain.tester_rpc import node_like
from rwakit.config import Settings
from rwakit.contracts import load_artifact
from rwakit.deployment import Deployment
from rwakit.errors import ChainError, RwakitError
from rwakit.indexer import store
from rwakit.indexer.events import (
    ASSET_EVENTS,
    FACTORY_EVENTS,
    FUND_FACTORY_EVENTS,
    REGISTRY_EVENTS,
    VAULT_EVENTS,
    Event,
    decode_log,
    topic_filter,
)
from rwakit.indexer.fund_projection import FundAtCreation
from rwakit.indexer.lock import IndexLock, index_lock
from rwakit.indexer.logs import Header, LogRange, LogRangeTooLarge, get_logs, header, headers
from rwakit.indexer.projection import AssetAtCreation, table
from rwakit.indexer.queries import IndexBehind

log = logging.getLogger(__name__)
RULES = "(bool,bool,bool,uint8,uint40,uint80,uint96)"
COUNTS = "(uint32,uint32,uint16)"
WALK_PAGE = 100  # stored blocks compared with the node per request while looking for a reorg's ancestor
MOVED_RETRIES = 20


class ReorgBeyondFinality(RwakitError):
    """A block the node called final was replaced: the index cannot roll back that far safely."""

    code = "reorg_beyond_finality"


class OtherDeployment(IndexBehind):
    """The database's index of this chain belongs to another deployment (another registry): the rows and
    the lock are the chain's, so two deployments cannot share one database."""

    code = "index_other_deployment"


class ChainMoved(ChainError):
    """The chain changed while a batch was read (the logs or headers disagree): read it again."""

    code = "chain_moved"


@dataclass(frozen=True)
class IndexerOptions:
    log_range: int = 2000
    confirmations: int = 64  # the finality depth of a node without a `finalized` block tag
    use_finalized_tag: bool = True
    poll_interval: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexerOptions:
        return cls(
            log_range=settings.index_log_range,
            confirmations=settings.index_confirmations,
            use_finalized_tag=settings.index_use_finalized_tag,
            poll_interval=settings.index_poll_interval,
        )


class Indexer:
    """Indexes one deployment into one database. ``catch_up()`` indexes to the head and returns the
    block reached; ``start()``/``stop()`` run it in a background thread every poll interval;
    ``wait_for(block)`` waits until the index has reached a block. The database's index lock is
    taken on first use and kept until ``stop()``/``close()``: one indexer per database."""

    def __init__(self, w3: Web3, engine: Engine, deployment: Deployment, options: IndexerOptions | None = None) -> None:
        self.w3 = node_like(w3)  # the indexer speaks raw JSON-RPC, which eth-tester answers only through this
        self.engine = engine
        self.deployment = deployment
        self.chain_id = deployment.chain_id
        self.options = options or IndexerOptions()
        self.log_range = LogRange(self.options.log_range)
        self.lock: IndexLock = index_lock(engine, self.chain_id)
        self.last_error: BaseException | None = None
        self._platform = [Web3.to_checksum_address(deployment.registry), Web3.to_checksum_address(deployment.factory)]
        self._fund_factory = Web3.to_checksum_address(deployment.fund_vaults) if deployment.fund_vaults else None
        if self._fund_factory:
            self._platform.append(self._fund_factory)
        self._platform_topics = topic_filter((*REGISTRY_EVENTS, *FACTORY_EVENTS, *FUND_FACTORY_EVENTS))
        self._asset_topics = topic_filter(ASSET_EVENTS)
        self._vault_topics = topic_filter(VAULT_EVENTS)
        self._assets: list[str] | None = None
        self._vaults: list[str] | None = None
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- the lock -------------------------------------------------------------------------------

    def check_deployment(self) -> bool:
        """Refuse (OtherDeployment) a database whose index of this chain another deployment wrote: its first
        batch records the deployment's registry (an `index_contract` row), which must be this one's. True
        once that row names this deployment, False while the index of this chain is empty."""
        contracts = table("index_contract")
        query = select(contracts.c.address).where(
            contracts.c.chain_id == self.chain_id, contracts.c.kind == "registry"
        )  # fmt: skip
        with self.engine.connect() as connection:
            recorded = connection.execute(query).scalar()
        if recorded is not None and recorded != self._platform[0]:
            raise OtherDeployment(
                f"This database indexes the deployment whose registry is {recorded} on chain {self.chain_id}; this "
                f"deployment's registry is {self._platform[0]}. Give each deployment its own database "
                "(RWAKIT_DATABASE_URL), or run `rwakit index --rebuild` to index this deployment instead of the other",
                indexed_registry=recorded,
                registry=self._platform[0],
            )
        return recorded is not None

    def acquire(self, *, timeout: float | None = None) -> bool:
        """Wait for the database's index lock (another indexer may hold it) until `timeout` seconds; refuse
        at once a database another deployment indexes (its indexer would hold the lock forever)."""
        self.check_deployment()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.lock.try_acquire():
            if self._stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                return False
            self._stop.wait(min(self.options.poll_interval, 1.0))
        return True

    def close(self) -> None:
        self.lock.release()

    # -- reading ----------------------------------------------------------------------------------

    def indexed_block(self) -> int | None:
        """The last block the index holds every event of (from the database: any indexer's work)."""
        found = store.read_cursor(self.engine, self.chain_id)
        return None if found is None else found.number

    def wait_for(self, block: int, *, timeout: float) -> bool:
        """True once the index has reached `block`, False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            reached = self.indexed_block()
            if reached is not None and reached >= block:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._progress:
                self._progress.wait(min(remaining, 0.2))

    # -- the loop ---------------------------------------------------------------------------------

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Index every block up to the node's head; returns the block reached. `progress(done, total)`
        after each batch: blocks indexed by this call out of those it has to index (the head may move on, a reorg's
        rollback step it back)."""
        if not self.acquire():
            raise RwakitError("The indexer was stopped before it got the index lock", code="indexer_stopped")
        with self._mutex:
            self._assets = self._vaults = None  # another indexer may have added some since this one held the lock
            moved = 0
            first: int | None = None
            while True:
                cursor = store.read_cursor(self.engine, self.chain_id)
                if self._stop.is_set():  # stop() asked: leave between batches
                    return cursor.number if cursor else self.deployment.block_number - 1
                if cursor is not None and not self._canonical(cursor):
                    self._roll_back(cursor)
                    continue
                start = cursor.number + 1 if cursor else self.deployment.block_number
                first = start if first is None else min(first, start)  # a rollback re-indexes blocks: still one run
                head = self.w3.eth.block_number
                if start > head:
                    return start - 1
                end = min(head, start + self.log_range.size - 1)
                try:
                    batch = self._read(start, end, cursor)
                except LogRangeTooLarge:
                    if not self.log_range.shrink():
                        raise
                    continue
                except (ChainMoved, StaleBlock):
                    moved += 1
                    if moved >= MOVED_RETRIES:
                        raise
                    continue
                written = store.write_batch(self.engine, batch, expected=cursor)
                if written:
                    log.info("indexer: blocks %d-%d, %d events", start, end, written)
                self.log_range.succeeded()
                if any(e.name == "AssetCreated" for e in batch.events):
                    self._assets = None
                if batch.vaults:
                    self._vaults = None
                with self._progress:
                    self._progress.notify_all()
                if progress is not None:
                    progress(end - first + 1, head - first + 1)

    def reach_head(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Index up to the node's current head; if another indexer holds the lock, wait until it
        has got there instead (or until it dies and this one can take over). `progress` as catch_up's,
        when this one indexes."""
        self.check_deployment()
        head = self.w3.eth.block_number
        while not self.lock.try_acquire():
            reached = self.indexed_block()
            if reached is not None and reached >= head:
                return reached
            if self._stop.wait(min(self.options.poll_interval, 0.5)):
                raise RwakitError("The indexer was stopped while waiting", code="indexer_stopped")
        return self.catch_up(progress)

    def start(self) -> None:
        """Follow the chain in a daemon thread until stop(): wait for the lock, then catch up every
        poll interval. Errors are logged and kept in ``last_error``; the loop retries."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="rwakit-indexer", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        """The background thread is alive (it ends on stop() or on a reorg below finality)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """End the background thread (between two batches) and release the lock."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._mutex:
            self.close()
        self._stop.clear()  # catch_up() may still be called directly

    def follow(self) -> None:
        """Catch up, then again every poll interval, until stop() (the `--follow` loop)."""
        while not self._stop.is_set():
            try:
                self.catch_up()
                self.last_error = None
            except (ReorgBeyondFinality, OtherDeployment):
                raise
            except RwakitError as exc:
                if exc.code == "indexer_stopped":
                    return
                self._failed(exc)
            except Exception as exc:  # a database or node hiccup: logged, retried at the next poll
                self._failed(exc)
            self._stop.wait(self.options.poll_interval)

    def _follow(self) -> None:
        try:
            self.follow()
        except (ReorgBeyondFinality, OtherDeployment) as exc:  # the thread ends: `last_error` says why; lock freed
            self._failed(exc)
        finally:
            with self._mutex:
                self.close()

    def _failed(self, exc: BaseException) -> None:
        self.last_error = exc
        log.warning("indexer: %s", exc)

    # -- one batch --------------------------------------------------------------------------------

    def _read(self, start: int, end: int, cursor: store.Cursor | None) -> store.Batch:
        last = header(self.w3, end)
        if last is None:
            raise ChainMoved(f"block {end} is gone")
        events = [decode_log(raw) for raw in get_logs(self.w3, self._platform, self._platform_topics, start, end)]
        new_assets = [e for e in events if e.name == "AssetCreated" and e.contract == self._platform[1]]
        assets = self._known_assets() + [e.args[0] for e in new_assets]
        if assets:
            events += [decode_log(raw) for raw in get_logs(self.w3, assets, self._asset_topics, start, end)]
        new_vaults = [e for e in events if e.name == "FundVaultCreated" and e.contract == self._fund_factory]
        vaults = self._known("fund_vault") + [e.args[1] for e in new_vaults]
        if vaults:
            events += [decode_log(raw) for raw in get_logs(self.w3, vaults, self._vault_topics, start, end)]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        wanted = sorted({e.block_number for e in events} | {start, end})
        found = headers(self.w3, wanted)
        self._check_consistent(events, found, last, start, cursor)
        created = {e.args[0]: self._at_creation(e) for e in new_assets}
        opened = {e.args[1]: self._vault_at_creation(e.args[0], e.args[1]) for e in new_vaults}
        kept = [found[n] for n in sorted({e.block_number for e in events} | {end})]
        platform: list[dict[str, Any]] = []
        if cursor is None:
            platform = [
                {"chain_id": self.chain_id, "address": address, "kind": kind, "symbol": "", "name": "", "decimals": 0,
                 "block_number": self.deployment.block_number}
                for address, kind in zip(self._platform, ("registry", "factory", "fund_factory"), strict=False)
            ]  # fmt: skip
        return store.Batch(self.chain_id, start, end, events, kept, created, platform, opened)

    def _check_consistent(
        self, events: list[Event], found: dict[int, Header], last: Header, start: int, cursor: store.Cursor | None
    ) -> None:
        """The logs, the headers and the cursor must describe one chain: a reorg while the batch was
        read shows up as a disagreement, and the batch is read again."""
        if found.get(last.number) != last:
            raise ChainMoved(f"block {last.number} changed while the batch was read")
        for event in events:
            block = found.get(event.block_number)
            if block is None or block.hash != event.block_hash:
                raise ChainMoved(f"block {event.block_number} changed while the batch was read")
        first = found.get(start)
        if first is None or (cursor is not None and first.parent_hash != cursor.hash):
            raise ChainMoved(f"block {start} does not follow the indexed block {start - 1}")

    def _at_creation(self, event: Event) -> AssetAtCreation:
        """What the asset's constructor set without an event: read at the creation block. A node that
        keeps no history (Anvil --prune-history) answers only at the latest block: the name, symbol,
        decimals and limits flag are immutable, the rules are all zero after the constructor (it sets
        none), and the authorised shares come from the createAsset call itself."""
        asset = event.args[0]
        calls = [
            Call(asset, "name()", returns="string"),
            Call(asset, "symbol()", returns="string"),
            Call(asset, "decimals()", returns="uint8"),
            Call(asset, "investorLimits()", returns="bool"),
            Call(asset, "sharesAuthorised()"),
            Call(asset, "rules()", returns=RULES),
            Call(asset, "counts()", returns=COUNTS),
        ]
        try:
            name, symbol, decimals, limits, authorised, rules, counts = read(self.w3, calls, block=event.block_number)
        except StaleBlock:
            name, symbol, decimals, limits, authorised = read(self.w3, calls[:5], block="latest")
            authorised = self._authorised_in_call(event, int(authorised))
            rules, counts = (False, False, False, 0, 0, 0, 0), (0, 0, 0)
        return AssetAtCreation(str(name), str(symbol), int(decimals), int(authorised), bool(limits), tuple(rules),
                               int(counts[1]))  # fmt: skip

    def _authorised_in_call(self, event: Event, latest: int) -> int:
        """sharesAuthorised from the transaction's createAsset parameters; `latest` if the factory was
        called through another contract (a multi-sig), whose input is not createAsset's."""
        factory = load_artifact("AssetFactory").at(self.w3, self._platform[1])
        transaction = self.w3.eth.get_transaction(HexStr(event.tx_hash))
        try:
            function, arguments = factory.decode_function_input(transaction["input"])
        except ValueError:
            return latest
        if function.fn_name != "createAsset" or transaction.get("to") != self._platform[1]:
            return latest
        return int(arguments["params"]["sharesAuthorised"])

    def _vault_at_creation(self, asset: str, vault: str) -> FundAtCreation:
        """The share's and the vault's currency's decimals: immutable, so read at the latest block (a node
        without state history answers there too)."""
        share, coin = read(self.w3, [Call(asset, "decimals()", returns="uint8"),
                                     Call(vault, "asset()", returns="address")], block="latest")  # fmt: skip
        (currency,) = read(self.w3, [Call(str(coin), "decimals()", returns="uint8")], block="latest")
        return FundAtCreation(int(share), int(currency))

    def _known_assets(self) -> list[str]:
        if self._assets is None:
            self._assets = self._known("asset")
        return list(self._assets)

    def _known(self, kind: str) -> list[str]:
        """The indexed contracts of `kind` (assets cached in ``_assets``, vaults in ``_vaults``)."""
        if kind == "fund_vault" and self._vaults is not None:
            return list(self._vaults)
        contracts = table("index_contract")
        query = (
            select(contracts.c.address)
            .where(contracts.c.chain_id == self.chain_id, contracts.c.kind == kind)
            .order_by(contracts.c.block_number, contracts.c.address)
        )
        with self.engine.connect() as connection:
            found = [str(a) for a in connection.execute(query).scalars()]
        if kind == "fund_vault":
            self._vaults = found
        return list(found)

    # -- reorgs -----------------------------------------------------------------------------------

    def _canonical(self, cursor: store.Cursor) -> bool:
        found = header(self.w3, cursor.number)
        return found is not None and found.hash == cursor.hash

    def _finalized(self) -> int:
        """The newest block the node will not replace: its `finalized` tag, else head - confirmations."""
        if self.options.use_finalized_tag:
            try:
                tagged = header(self.w3, "finalized")
            except ChainError:
                tagged = None
            if tagged is not None:
                return tagged.number
        return self.w3.eth.block_number - self.options.confirmations

    def _roll_back(self, cursor: store.Cursor) -> None:
        """Walk back over the stored blocks to the newest the node still has, and roll back to it."""
        finalized = self._finalized()
        below = cursor.number + 1
        while True:
            page = store.stored_blocks(self.engine, self.chain_id, below=below, limit=WALK_PAGE)
            node = headers(self.w3, [b.number for b in page])
            for stored in page:
                now = node.get(stored.number)
                if now is not None and now.hash == stored.hash:
                    self._roll_back_to(stored, cursor)
                    return
                if stored.number <= finalized:
                    raise ReorgBeyondFinality(
                        f"Block {stored.number}, final on the node (finalized block {finalized}), no longer has the "
                        f"hash the index stored ({stored.hash}): the index cannot be rolled back safely. Run "
                        "`rwakit index --rebuild` to index the chain again from the deployment block",
                        block=stored.number,
                    )
            if len(page) < WALK_PAGE:
                self._roll_back_to(None, cursor)
                return
            below = page[-1].number

    def _roll_back_to(self, ancestor: store.Cursor | None, cursor: store.Cursor) -> None:
        removed = store.roll_back(self.engine, self.chain_id, ancestor, first_block=self.deployment.block_number)
        self._assets = self._vaults = None
        target = ancestor.number if ancestor else self.deployment.block_number - 1
        log.info("indexer: reorg below block %d, rolled back to %d (%d history rows)", cursor.number, target, removed)
