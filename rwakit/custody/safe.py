"""Deploy a Safe (1.4.1: the singleton, the proxy factory and the fallback handler on a local chain) and
drive one: owners, threshold, nonce, simulating and executing a Safe transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import LOCAL_CHAIN_IDS, Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import load_artifact
from rwakit.contracts.safe_artifacts import SAFE_VERSION
from rwakit.custody.safe_tx import ZERO_ADDRESS, SafeTx, packed_signatures
from rwakit.errors import InvalidInput, NotFound
from rwakit.units import to_address


@dataclass(frozen=True)
class SafeSpec:
    """Owners and threshold: "2-of-3" with three owners."""

    owners: tuple[ChecksumAddress, ...]
    threshold: int

    @classmethod
    def parse(cls, m_of_n: str, owners: Sequence[str]) -> SafeSpec:
        m, sep, n = m_of_n.partition("-of-")
        if not (sep and m.isdigit() and n.isdigit()):
            raise InvalidInput(f"Give the Safe as M-of-N (e.g. 2-of-3), not {m_of_n!r}", code="invalid_safe_spec")
        addresses = tuple(to_address(o) for o in owners)
        if len(addresses) != int(n):
            raise InvalidInput(f"A {m_of_n} Safe needs {n} owners, {len(addresses)} given", code="invalid_safe_spec")
        if len(set(addresses)) != len(addresses):
            raise InvalidInput("Each owner may appear once", code="invalid_safe_spec")
        if int(m) > int(n):
            raise InvalidInput(f"A threshold of {m} can never be met by {n} owners", code="invalid_safe_spec")
        return cls(owners=addresses, threshold=int(m))

    def __post_init__(self) -> None:
        require_four_eyes(self.threshold, f"{self.threshold}-of-{len(self.owners)}")


MIN_THRESHOLD = 2  # four eyes: a Safe one owner can drive alone is one key with extra steps


def require_four_eyes(threshold: int, safe: str) -> None:
    """Refuse a Safe one owner's signature executes: it would hold every role with no second approval."""
    if threshold < MIN_THRESHOLD:
        raise InvalidInput(
            f"A Safe ({safe}) that executes with {threshold} signature fails four-eyes control, which needs a "
            f"threshold of at least {MIN_THRESHOLD} (e.g. --safe 2-of-3; for an existing Safe, changeThreshold in the "
            "Safe wallet first)",
            code="safe_threshold_too_low",
            threshold=threshold,
        )


class SafeAccount:
    """One deployed Safe."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = to_address(address)

    @cached_property
    def contract(self) -> Contract:
        return load_artifact("safe/Safe").at(self.w3, self.address)

    @classmethod
    def at(cls, w3: Web3, address: str, *, four_eyes: bool = False) -> SafeAccount:
        """An existing Safe, checked to be one (it answers VERSION and getOwners); with `four_eyes`, one that
        needs at least two owners' signatures (to receive the platform's roles)."""
        safe = cls(w3, address)
        try:
            version = safe.contract.functions.VERSION().call()
            domain = bytes(safe.contract.functions.domainSeparator().call())
            safe.owners()
        except Exception:
            raise NotFound(f"No Safe at {address} on this chain", code="safe_not_found") from None
        if version != SAFE_VERSION or domain != safe.transaction(ZERO_ADDRESS, b"", 0).domain_separator:
            raise InvalidInput(
                f"The Safe at {address} is version {version}: rwakit computes the transaction hashes (EIP-712) of "
                f"Safe {SAFE_VERSION} only; use a {SAFE_VERSION} Safe (or migrate this one in the Safe wallet)",
                code="safe_version_unsupported",
                version=version,
            )
        if four_eyes:
            require_four_eyes(safe.threshold(), safe.address)
        return safe

    def owners(self) -> list[ChecksumAddress]:
        return [Web3.to_checksum_address(o) for o in self.contract.functions.getOwners().call()]

    def threshold(self) -> int:
        return int(self.contract.functions.getThreshold().call())

    def nonce(self) -> int:
        return int(self.contract.functions.nonce().call())

    def transaction(self, to: str, data: bytes, nonce: int) -> SafeTx:
        return SafeTx(chain_id=int(self.w3.eth.chain_id), safe=self.address, to=to_address(to), data=data, nonce=nonce)

    def contract_hash(self, tx: SafeTx) -> bytes:
        """The hash as the contract computes it (getTransactionHash)."""
        return bytes(
            self.contract.functions.getTransactionHash(
                tx.to, tx.value, tx.data, 0, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS, tx.nonce
            ).call()
        )

    def execute(
        self, txm: TransactionManager, executor: Signer, tx: SafeTx, signatures: dict[str, bytes], *, label: str
    ) -> TxReceipt:
        """Send execTransaction with the owners' signatures; `executor` is any funded account."""
        call = self.contract.functions.execTransaction(
            tx.to, tx.value, tx.data, 0, 0, 0, 0, ZERO_ADDRESS, ZERO_ADDRESS, packed_signatures(signatures)
        )
        return txm.transact(executor, call, label=label)


def deploy_safe(chain: Chain, txm: TransactionManager, spec: SafeSpec, *, salt: int = 0) -> SafeAccount:
    """On a local chain: deploy the Safe singleton, its proxy factory and fallback handler, then a Safe proxy
    with `spec`'s owners and threshold (createProxyWithNonce, as the Safe wallet does)."""
    if chain.chain_id not in LOCAL_CHAIN_IDS:
        raise InvalidInput(
            f"rwakit deploys Safe contracts on local chains only; on chain {chain.chain_id} create the Safe with "
            "the Safe wallet and give its address (--safe-address)",
            code="safe_deploy_not_local",
        )
    deployer, w3 = chain.operator, chain.w3
    singleton, _ = txm.deploy(deployer, load_artifact("safe/Safe").factory(w3).constructor(), label="deploy Safe")
    factory_artifact = load_artifact("safe/SafeProxyFactory")
    factory, _ = txm.deploy(deployer, factory_artifact.factory(w3).constructor(), label="deploy SafeProxyFactory")
    handler, _ = txm.deploy(
        deployer,
        load_artifact("safe/CompatibilityFallbackHandler").factory(w3).constructor(),
        label="deploy CompatibilityFallbackHandler",
    )
    setup = (
        load_artifact("safe/Safe")
        .at(w3, singleton)
        .encode_abi(
            "setup", [list(spec.owners), spec.threshold, ZERO_ADDRESS, b"", handler, ZERO_ADDRESS, 0, ZERO_ADDRESS]
        )
    )
    proxies = factory_artifact.at(w3, factory)
    receipt = txm.transact(
        deployer,
        proxies.functions.createProxyWithNonce(singleton, setup, salt),
        label=f"create {spec.threshold}-of-{len(spec.owners)} Safe",
    )
    created = proxies.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    return SafeAccount(w3, created[0]["args"]["proxy"])
