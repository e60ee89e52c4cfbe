"""Signers: who signs the platform's transactions.

Services only see the :class:`Signer` interface, so an issuer's key can move from a local
keystore to a KMS, a multi-signature wallet or MPC custody without touching them.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
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
    """A private key held in this process: for local chains, or unlocked from an encrypted keystore."""

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

    @classmethod
    def from_keystore(cls, path: Path, password: str) -> LocalKeySigner:
        """Unlock an encrypted (Web3 Secret Storage) keystore file."""
        try:
            key = Account.decrypt(json.loads(path.read_text()), password)
        except ValueError as exc:
            raise InvalidInput(
                f"Cannot unlock keystore {path}: wrong password or corrupt file", code="keystore_locked"
            ) from exc
        return cls(Account.from_key(key))

    def write_keystore(self, path: Path, password: str) -> None:
        """Save this key encrypted (scrypt) so it never rests on disk in the clear."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(Account.encrypt(self._account.key, password)))
        path.chmod(0o600)

    @property
    def address(self) -> ChecksumAddress:
        return self._account.address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)
