"""Custody: the keys of the wallets the platform holds for investors (custodial wallets).

The database records which wallets are custodial and a reference to where each key lives
(``key_ref``); the key itself stays with a :class:`Custody` provider, behind the Signer
interface, so keys can move to a KMS or an HSM without touching the services.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlmodel import Session

from rwakit.api.errors import Conflict
from rwakit.chain.signer import Signer
from rwakit.db.records import CustodialWallet, get_custodial_wallet, list_custodial_wallets
from rwakit.errors import InvalidInput
from rwakit.platform import Platform
from rwakit.units import to_address


class Custody(ABC):
    """Where custodial keys live."""

    name: str

    @abstractmethod
    def key_ref(self, address: str) -> str | None:
        """A reference to the key of `address` if this custody holds it."""

    @abstractmethod
    def signer(self, key_ref: str) -> Signer | None:
        """The signer a reference points at, or None if the key is not (or no longer) held."""


class NoCustody(Custody):
    """The platform holds no investor keys: custodial transfers are refused."""

    name = "none"

    def key_ref(self, address: str) -> str | None:
        return None

    def signer(self, key_ref: str) -> Signer | None:
        return None


class DevCustody(Custody):
    """The local chain's funded mnemonic accounts (development and the demo only: the keys are public)."""

    name = "dev"

    def __init__(self, signers: list[Signer]) -> None:
        self._signers: dict[str, Signer] = {s.address: s for s in signers}

    def key_ref(self, address: str) -> str | None:
        return f"dev:{address}" if address in self._signers else None

    def signer(self, key_ref: str) -> Signer | None:
        kind, _, address = key_ref.partition(":")
        return self._signers.get(address) if kind == "dev" else None


def add_custodial_wallet(session: Session, custody: Custody, *, address: str, label: str = "") -> CustodialWallet:
    wallet = to_address(address)
    if get_custodial_wallet(session, address=wallet) is not None:
        raise Conflict(f"{wallet} is already a custodial wallet", code="custodial_wallet_exists", address=wallet)
    key_ref = custody.key_ref(wallet)
    if key_ref is None:
        raise InvalidInput(
            f"The platform's custody ({custody.name}) holds no key for {wallet}", code="key_not_held", address=wallet
        )
    row = CustodialWallet(address=wallet, key_ref=key_ref, label=label)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def custodial_signer(session: Session, custody: Custody, address: str) -> Signer:
    """The signer of a custodial wallet, or a 422 naming what is wrong."""
    row = get_custodial_wallet(session, address=address)
    if row is None:
        raise InvalidInput(
            f"{address} is not a custodial wallet: the platform cannot sign for it",
            code="wallet_not_custodial",
            address=address,
        )
    signer = custody.signer(row.key_ref)
    if signer is None:
        raise InvalidInput(
            f"The key of custodial wallet {address} is not available", code="key_not_held", address=address
        )
    return signer


def custodial_wallets(session: Session, platform: Platform) -> list[tuple[CustodialWallet, str | None]]:
    """Every custodial wallet with the investor the registry assigns it to (None: not registered)."""
    rows = list_custodial_wallets(session)
    owners = platform.registry.investors_of([row.address for row in rows])
    return [(row, owners[to_address(row.address)]) for row in rows]
