"""Register, update and revoke investors and their wallets."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from eth_typing import ChecksumAddress
from web3.contract import Contract
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.reads import Call, read
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.errors import InvalidInput, NotFound
from rwakit.registry.models import Investor, InvestorClass, InvestorInput
from rwakit.units import (
    bytes32_to_investor_id,
    from_timestamp,
    investor_id_to_bytes32,
    to_address,
    to_country_code,
    to_timestamp,
)

MAX_WALLETS = 16
NUMBER_MASK = (1 << 48) - 1  # the investor number: bits 0-47 of a wallet's record word


class RegistryService:
    """Writes go through the transaction manager, signed by the registrar."""

    def __init__(
        self, chain: Chain, txm: TransactionManager, registry_address: str, registrar: Signer, *, from_block: int = 0
    ) -> None:
        self._chain = chain
        self._txm = txm
        self._address = to_address(registry_address)
        self._registrar = registrar
        self._from_block = from_block
        self._ids: dict[int, str] = {}  # investor number -> id; both are fixed for good at registration

    @cached_property
    def contract(self) -> Contract:
        return load_artifact("InvestorRegistry").at(self._chain.w3, self._address)

    @property
    def address(self) -> ChecksumAddress:
        return self._address

    def register(self, investor: InvestorInput) -> TxReceipt:
        data = self._encode(investor)
        return self._send(self.contract.functions.registerInvestor(data), f"register investor {investor.investor_id}")

    def register_batch(self, investors: Sequence[InvestorInput]) -> TxReceipt:
        """All investors in one transaction: all are registered or none."""
        if not investors:
            raise InvalidInput("Nothing to register", code="empty_batch")
        ids = [i.investor_id for i in investors]
        if len(set(ids)) != len(ids):
            raise InvalidInput("The batch names an investor id twice", code="duplicate_investor")
        data = [self._encode(i) for i in investors]
        return self._send(self.contract.functions.batchRegisterInvestors(data), f"register {len(data)} investors")

    def register_chunked(
        self, investors: Sequence[InvestorInput], *, chunk_size: int, progress: Callable[[int, int], None] | None = None
    ) -> list[TxReceipt]:
        """Many investors in chunks of `chunk_size`, one transaction each (all of a chunk or none of it).
        Every row is checked before the first chunk is sent; a chunk refused stops the run with the
        chunks before it registered, and `progress(done, total)` after each chunk tells how far it got."""
        if chunk_size < 1:
            raise InvalidInput("A chunk holds at least one investor", code="invalid_chunk_size")
        if not investors:
            raise InvalidInput("Nothing to register", code="empty_batch")
        ids = [i.investor_id for i in investors]
        if len(set(ids)) != len(ids):
            raise InvalidInput("The batch names an investor id twice", code="duplicate_investor")
        data = [self._encode(i) for i in investors]
        receipts = []
        for start in range(0, len(data), chunk_size):
            chunk = data[start : start + chunk_size]
            call = self.contract.functions.batchRegisterInvestors(chunk)
            receipts.append(self._send(call, f"register investors {start + 1}-{start + len(chunk)} of {len(data)}"))
            if progress is not None:
                progress(start + len(chunk), len(data))
        return receipts

    def update(
        self,
        investor_id: str,
        *,
        country: str | int | None = None,
        investor_class: InvestorClass | str | int | None = None,
        kyc_expiry: datetime | int | None = None,
    ) -> TxReceipt:
        """Change any of country, class or KYC expiry; unnamed fields keep their value."""
        current = self.get(investor_id)
        call = self.contract.functions.updateInvestor(
            investor_id_to_bytes32(investor_id),
            current.country if country is None else to_country_code(country),
            int(current.investor_class if investor_class is None else InvestorClass.parse(investor_class)),
            to_timestamp(current.kyc_expiry if kyc_expiry is None else kyc_expiry),  # type: ignore[arg-type]
        )
        return self._send(call, f"update investor {investor_id}")

    def revoke(self, investor_id: str) -> TxReceipt:
        return self._send(
            self.contract.functions.revokeInvestor(investor_id_to_bytes32(investor_id)), f"revoke {investor_id}"
        )

    def revoke_batch(self, investor_ids: Sequence[str]) -> TxReceipt:
        raw = [investor_id_to_bytes32(i) for i in investor_ids]
        return self._send(self.contract.functions.batchRevokeInvestors(raw), f"revoke {len(raw)} investors")

    def reinstate(self, investor_id: str) -> TxReceipt:
        call = self.contract.functions.reinstateInvestor(investor_id_to_bytes32(investor_id))
        return self._send(call, f"reinstate {investor_id}")

    def add_wallet(self, investor_id: str, wallet: str) -> TxReceipt:
        call = self.contract.functions.addWallet(investor_id_to_bytes32(investor_id), to_address(wallet))
        return self._send(call, f"add wallet to {investor_id}")

    def remove_wallet(self, wallet: str, *, investor_id: str | None = None) -> TxReceipt:
        """Take `wallet` off its investor. A caller that names the investor skips the lookup: the
        registry itself refuses an unknown investor (RegistryUnknownInvestor) or a wallet that is not
        theirs (RegistryUnknownWallet), before anything is sent."""
        if investor_id is None:
            investor_id = self.investor_of(wallet)
            if investor_id is None:
                raise NotFound(f"No investor holds wallet {wallet}", code="wallet_not_registered", wallet=wallet)
        call = self.contract.functions.removeWallet(investor_id_to_bytes32(investor_id), to_address(wallet))
        return self._send(call, f"remove wallet {wallet}")

    def get(self, investor_id: str) -> Investor:
        raw_id = investor_id_to_bytes32(investor_id)
        wallets = self.contract.functions.walletsOf(raw_id).call()
        if not wallets:
            raise NotFound(
                f"No investor {investor_id!r} in the registry", code="investor_not_found", investor_id=investor_id
            )
        record = self.contract.functions.investor(raw_id).call()
        return self._investor(investor_id, record, wallets)

    def investor_of(self, wallet: str) -> str | None:
        """The id of the investor `wallet` is registered to, or None."""
        return self.investors_of([wallet])[to_address(wallet)]

    def investors_of(self, wallets: Sequence[str]) -> dict[ChecksumAddress, str | None]:
        """The investor id of each wallet (None if unregistered), in two batched reads. The registry
        stores the investor's number per wallet, not the id (that would be a third storage slot per
        investor); the id comes from the registration event, which carries both, and a cached id is
        used once the registry confirms it (a reorganised chain or a reverted snapshot can give a
        number to another investor)."""
        addresses = [to_address(w) for w in wallets]
        calls = [Call(self._address, "walletWord(address)", (a,)) for a in addresses]
        numbers = {a: int(word) & NUMBER_MASK for a, word in zip(addresses, read(self._chain.w3, calls), strict=True)}
        cached = sorted({n for n in numbers.values() if n in self._ids})
        ids = [investor_id_to_bytes32(self._ids[n]) for n in cached]
        confirms = [Call(self._address, "investorNumber(bytes32)", (raw,)) for raw in ids]
        for number, confirmed in zip(cached, read(self._chain.w3, confirms), strict=True):
            if confirmed != number:
                del self._ids[number]
        for number in {n for n in numbers.values() if n and n not in self._ids}:
            events = self.contract.events.InvestorRegistered.get_logs(
                argument_filters={"investor": number}, from_block=self._from_block
            )
            if not events:
                raise NotFound(f"No registration event for investor number {number}", code="investor_not_found")
            self._ids[number] = bytes32_to_investor_id(events[-1]["args"]["investorId"])
        return {a: self._ids[n] if n else None for a, n in numbers.items()}

    def is_verified(self, wallet: str) -> bool:
        return bool(self.contract.functions.isVerified(to_address(wallet)).call())

    def count(self) -> int:
        return int(self.contract.functions.investorCount().call())

    def _investor(self, investor_id: str, record: Sequence[Any], wallets: list[str]) -> Investor:
        number, kyc_expiry, country, investor_class, revoked = record[:5]  # multiWallet is the tokens' concern
        now = self._chain.w3.eth.get_block("latest")["timestamp"]
        return Investor(
            investor_id=investor_id,
            number=number,
            wallets=list(wallets),
            country=country,
            investor_class=InvestorClass(investor_class),
            kyc_expiry=from_timestamp(kyc_expiry),
            revoked=revoked,
            verified=not revoked and kyc_expiry > now,
        )

    def _encode(self, investor: InvestorInput) -> tuple[bytes, list[ChecksumAddress], int, int, int]:
        wallets = [to_address(w) for w in investor.wallets]
        if not 1 <= len(wallets) <= MAX_WALLETS:
            raise InvalidInput(f"An investor needs 1 to {MAX_WALLETS} wallets", code="invalid_wallet_count")
        if len(set(wallets)) != len(wallets):
            raise InvalidInput("The same wallet is listed twice", code="duplicate_wallet")
        return (
            investor_id_to_bytes32(investor.investor_id),
            wallets,
            to_country_code(investor.country),
            int(InvestorClass.parse(investor.investor_class)),
            to_timestamp(investor.kyc_expiry),
        )

    def _send(self, call: Any, label: str) -> TxReceipt:
        return self._txm.transact(self._registrar, call, label=label)
