"""Create assets, issue and burn shares, transfer, and read holdings and cap tables."""

from __future__ import annotations

import builtins
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import InvalidInput, NotFound
from rwakit.registry.service import RegistryService
from rwakit.tokenize.models import Asset, AssetKind, AssetSpec, CapTable, CapTableEntry, Holding
from rwakit.units import to_address, to_base_units, to_bytes32

ZERO_ADDRESS = "0x" + "00" * 20
OFFERING_DOCUMENT = b"offering".ljust(32, b"\0")  # the ERC-1643 name of the document given at creation
MAX_DECIMALS = 18


# The factory's rule for symbols (AssetFactory._checkSymbol), checked here first for a clear error.
SYMBOL = re.compile(r"[A-Z][A-Z0-9]{0,10}")


class AssetService:
    """Issuer-side operations are signed by ``issuer``; reads need no signer."""

    def __init__(
        self,
        chain: Chain,
        txm: TransactionManager,
        factory_address: str,
        registry: RegistryService,
        issuer: Signer,
        *,
        from_block: int = 0,
    ) -> None:
        self._chain = chain
        self._txm = txm
        self._factory_address = to_address(factory_address)
        self._registry = registry
        self._issuer = issuer
        self._from_block = from_block
        self._tokens: dict[ChecksumAddress, Contract] = {}

    @cached_property
    def factory(self) -> Contract:
        return load_artifact("AssetFactory").at(self._chain.w3, self._factory_address)

    def token(self, asset: str) -> Contract:
        """The AssetToken handle for an address or a platform symbol (built once per asset)."""
        address = self.resolve(asset)
        if address not in self._tokens:
            self._tokens[address] = load_artifact("AssetToken").at(self._chain.w3, address)
        return self._tokens[address]

    def resolve(self, asset: str) -> ChecksumAddress:
        """The asset's address, from its address or its symbol (always asked of the factory, so a
        reorganised chain or a reverted test snapshot is never answered from memory)."""
        if Web3.is_address(asset):
            address = Web3.to_checksum_address(asset)
            if not self.factory.functions.isAsset(address).call():
                raise NotFound(f"{asset} is not an asset of this platform", code="asset_not_found", asset=asset)
            return address
        # Symbols are A-Z and 0-9 (the factory's rule), so an ASCII symbol matches whatever its case.
        address = self.factory.functions.assetBySymbol(asset.upper() if asset.isascii() else asset).call()
        if address == ZERO_ADDRESS:
            raise NotFound(f"No asset with symbol {asset!r} on this platform", code="asset_not_found", asset=asset)
        return Web3.to_checksum_address(address)

    # -- issuer actions -------------------------------------------------------------------

    def create(self, spec: AssetSpec) -> Asset:
        """Deploy a new asset token through the factory; the issuer becomes its admin."""
        if not 0 <= spec.decimals <= MAX_DECIMALS:
            raise InvalidInput(f"Decimals must be 0 to {MAX_DECIMALS}", code="invalid_decimals")
        if not spec.name.strip():
            raise InvalidInput("An asset needs a name", code="invalid_asset")
        if not SYMBOL.fullmatch(spec.symbol):
            raise InvalidInput(
                f"Invalid symbol {spec.symbol!r}: 1 to 11 characters, A-Z and 0-9, starting with a letter (e.g. HVT)",
                code="invalid_symbol",
                symbol=spec.symbol,
            )
        document_hash = to_bytes32(spec.document_hash)
        authorised = to_base_units(spec.shares_authorised, 0) * 10**spec.decimals
        params = (spec.name, spec.symbol, spec.decimals, int(AssetKind.parse(spec.kind)), authorised,
                  spec.document_uri, document_hash, spec.investor_limits)  # fmt: skip
        receipt = self._send(self.factory.functions.createAsset(params), f"create asset {spec.symbol}")
        created = self.factory.events.AssetCreated().process_receipt(receipt, errors=DISCARD)
        return self.get(created[0]["args"]["asset"])

    def issue(self, asset: str, to: str, amount: str | int) -> TxReceipt:
        """Mint shares to a wallet, or to an investor id's first wallet. '1.5' is 1.5 shares; an int is base units."""
        token = self.token(asset)
        wallet = self.recipient(to)
        value = self._amount(token, amount)
        return self._send(token.functions.mint(wallet, value), f"issue {value} {asset} to {to}")

    def issue_batch(self, asset: str, allocations: Sequence[tuple[str, str | int]]) -> TxReceipt:
        """Mint to many wallets or investors in one transaction: all or none."""
        if not allocations:
            raise InvalidInput("Nothing to issue", code="empty_batch")
        token = self.token(asset)
        wallets = [self.recipient(to) for to, _ in allocations]
        values = self._amounts(token, [amount for _, amount in allocations])
        return self._send(token.functions.batchMint(wallets, values), f"issue {asset} to {len(wallets)} holders")

    def issue_chunked(
        self,
        asset: str,
        allocations: Sequence[tuple[str, str | int]],
        *,
        chunk_size: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> builtins.list[TxReceipt]:
        """Mint to many wallets or investors in chunks of `chunk_size`, one batchMint each (all of a
        chunk or none of it). Every recipient and amount is checked before the first chunk is sent; a
        chunk refused stops the run with the chunks before it issued, and `progress(done, total)`
        after each chunk tells how far it got."""
        if chunk_size < 1:
            raise InvalidInput("A chunk holds at least one row", code="invalid_chunk_size")
        if not allocations:
            raise InvalidInput("Nothing to issue", code="empty_batch")
        token = self.token(asset)
        wallets = [self.recipient(to) for to, _ in allocations]
        values = self._amounts(token, [amount for _, amount in allocations])
        receipts = []
        for start in range(0, len(wallets), chunk_size):
            end = min(start + chunk_size, len(wallets))
            call = token.functions.batchMint(wallets[start:end], values[start:end])
            receipts.append(self._send(call, f"issue {asset} to holders {start + 1}-{end} of {len(wallets)}"))
            if progress is not None:
                progress(end, len(wallets))
        return receipts

    def burn(self, asset: str, wallet: str, amount: str | int) -> TxReceipt:
        token = self.token(asset)
        value = self._amount(token, amount)
        return self._send(token.functions.burn(to_address(wallet), value), f"burn {value} {asset} from {wallet}")

    def pause(self, asset: str) -> TxReceipt:
        return self._send(self.token(asset).functions.pause(), f"pause {asset}")

    def unpause(self, asset: str) -> TxReceipt:
        return self._send(self.token(asset).functions.unpause(), f"unpause {asset}")

    def transfer(self, asset: str, sender: Signer, to: str, amount: str | int) -> TxReceipt:
        """A holder's own transfer, signed by the holder's (custodial) signer."""
        token = self.token(asset)
        value = self._amount(token, amount)
        call = token.functions.transfer(self.recipient(to), value)
        return self._txm.transact(sender, call, label=f"transfer {value} {asset} to {to}")

    # -- reads ----------------------------------------------------------------------------

    def check_transfer(self, asset: str, sender: str, to: str, amount: str | int) -> Restriction | int:
        """Would this transfer pass compliance now? (``sender`` zero address: an issuance.)"""
        token = self.token(asset)
        code = token.functions.detectTransferRestriction(
            to_address(sender), self.recipient(to), self._amount(token, amount)
        ).call()
        return Restriction.parse(code)

    def get(self, asset: str) -> Asset:
        token = self.token(asset)
        f = token.functions
        uri, document_hash = "", bytes(32)
        if OFFERING_DOCUMENT in f.getAllDocuments().call():
            uri, document_hash, _ = f.getDocument(OFFERING_DOCUMENT).call()
        return Asset(
            address=token.address,
            name=f.name().call(),
            symbol=f.symbol().call(),
            decimals=f.decimals().call(),
            kind=AssetKind(f.assetKind().call()),
            shares_authorised=f.sharesAuthorised().call(),
            total_supply=f.totalSupply().call(),
            paused=f.paused().call(),
            document_uri=uri,
            document_hash="0x" + document_hash.hex(),
            investor_limits=f.investorLimits().call(),
        )

    def list(self) -> list[Asset]:
        return [self.get(address) for address in self.factory.functions.assets().call()]

    def balance(self, asset: str, wallet: str) -> int:
        return int(self.token(asset).functions.balanceOf(to_address(wallet)).call())

    def holdings(self, investor_id: str) -> builtins.list[Holding]:
        """What an investor holds across every asset of the platform, summed over their wallets."""
        wallets = self._registry.get(investor_id).wallets
        result = []
        for address in self.factory.functions.assets().call():
            token = load_artifact("AssetToken").at(self._chain.w3, address)
            by_wallet = {w: int(token.functions.balanceOf(w).call()) for w in wallets}
            total = sum(by_wallet.values())
            if total:
                result.append(
                    Holding(
                        address,
                        token.functions.symbol().call(),
                        token.functions.decimals().call(),
                        total,
                        {w: v for w, v in by_wallet.items() if v},
                    )
                )
        return result

    def cap_table(self, asset: str) -> CapTable:
        """Holders grouped by investor, from the chain's Transfer events (the indexer serves this faster)."""
        info = self.get(asset)
        token = self.token(asset)
        block = self._chain.w3.eth.block_number
        balances: dict[str, int] = defaultdict(int)
        for log in token.events.Transfer().get_logs(from_block=self._from_block, to_block=block):
            args = log["args"]
            balances[args["from"]] -= args["value"]
            balances[args["to"]] += args["value"]
        held = {wallet: amount for wallet, amount in balances.items() if wallet != ZERO_ADDRESS and amount > 0}
        by_investor: dict[str | None, dict[str, int]] = defaultdict(dict)
        for wallet, investor_id in self._registry.investors_of(list(held)).items():
            by_investor[investor_id][wallet] = held[wallet]
        entries = [CapTableEntry(investor, sum(w.values()), w) for investor, w in by_investor.items()]
        entries.sort(key=lambda e: (-e.amount, e.investor_id or ""))
        return CapTable(asset=info, block_number=block, entries=entries)

    # -- helpers --------------------------------------------------------------------------

    def recipient(self, to: str) -> ChecksumAddress:
        """A wallet address as given, or an investor id's first wallet."""
        if Web3.is_address(to):
            return Web3.to_checksum_address(to)
        return to_address(self._registry.get(to).wallets[0])

    def amount(self, asset: str, amount: str | int) -> int:
        """Base units of `asset` for '1.5' shares (an int is already base units); zero is refused."""
        return self._amount(self.token(asset), amount)

    def amounts(self, asset: str, amounts: Sequence[str | int]) -> builtins.list[int]:
        """`amount` for each of a batch, the asset's decimals read once."""
        return self._amounts(self.token(asset), amounts)

    @property
    def from_block(self) -> int:
        """The platform's deployment block: where event scans start."""
        return self._from_block

    def _amount(self, token: Contract, amount: str | int) -> int:
        return self._amounts(token, [amount])[0]

    @staticmethod
    def _amounts(token: Contract, amounts: Sequence[str | int]) -> builtins.list[int]:
        decimals = token.functions.decimals().call()
        values = [to_base_units(amount, decimals) for amount in amounts]
        if 0 in values:
            raise InvalidInput("Amount must be greater than zero", code="invalid_amount")
        return values

    def _send(self, call: Any, label: str) -> TxReceipt:
        return self._txm.transact(self._issuer, call, label=label)
