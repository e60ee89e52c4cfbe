"""Signers: who signs the platform's transactions.

Services only see the :class:`Signer` interface, so an issuer's key can move from a local
key to a KMS, a multi-signature wallet or MPC custody without touching them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from rwakit.errors import InvalidInput

Account.enable_unaudited_hdwallet_features()


class Signer(ABC):
    """Signs transactions for one address."""

    @property
    @abstractmethod
    def address(self) -> ChecksumAddress: ...

    @abstractmethod
    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """Return the raw signed transaction, ready for eth_sendRawTransaction."""

    def __repr__(self) -> str:  # never show key material
        return f"{type(self).__name__}({self.address})"


class LocalKeySigner(Signer):
    """A private key held in this process: a local chain's account, or RWAKIT_PRIVATE_KEY."""

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @classmethod
    def from_private_key(cls, key: str) -> LocalKeySigner:
        try:
            return cls(Account.from_key(key))
        except (ValueError, TypeError) as exc:
            raise InvalidInput("The private key is malformed (expected 32 bytes of hex)", code="invalid_key") from exc

    @classmethod
    def from_mnemonic(cls, mnemonic: str, index: int = 0) -> LocalKeySigner:
        return cls(Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}"))

    @property
    def address(self) -> ChecksumAddress:
        return self._account.address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)
