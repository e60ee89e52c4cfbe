"""Signers: who signs the platform's transactions and its owners' approvals.

Services only see the :class:`Signer` interface, so an issuer's key can move from a local key to a
keystore, a KMS or MPC custody without touching them. A remote signer (a KMS or an MPC service)
implements the three abstract members: ``address``, ``sign_transaction`` and ``sign_digest``.

Key material never leaves a signer: ``repr``/``str`` show the address only, and errors raised while
loading a key are cut from their cause (a library's message can quote the bytes it refused).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, Hash32

from rwakit.errors import ConfigError, InvalidInput

Account.enable_unaudited_hdwallet_features()

# Chains whose funded accounts come from the public development mnemonic: Anvil, Ganache, eth-tester.
LOCAL_CHAIN_IDS = frozenset({31337, 1337, 131277322940537})
HARDENED = 2**31  # BIP-32: indexes from here on are hardened


class Signer(ABC):
    """Signs transactions and 32-byte digests (a Safe transaction's EIP-712 hash) for one address."""

    @property
    @abstractmethod
    def address(self) -> ChecksumAddress: ...

    @abstractmethod
    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """Return the raw signed transaction, ready for eth_sendRawTransaction."""

    @abstractmethod
    def sign_digest(self, digest: bytes) -> bytes:
        """Return the 65-byte signature r ‖ s ‖ v (v = 27 or 28) of a 32-byte digest, as eth_signTypedData
        returns it for the typed data that digest is the hash of."""

    def __repr__(self) -> str:  # never show key material
        return f"{type(self).__name__}({self.address})"

    __str__ = __repr__


class Proposer(Signer):
    """An account whose transactions need others' approval (a Safe). The TransactionManager estimates a call
    from its address, so a call that would revert is refused before anything is proposed, then hands the
    call to `propose`, which records it and raises ApprovalPending: nothing is signed or sent here."""

    @abstractmethod
    def propose(self, to: str, data: bytes, label: str) -> NoReturn: ...

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        raise TypeError(f"{self!r} proposes transactions; it never signs one")

    def sign_digest(self, digest: bytes) -> bytes:
        raise TypeError(f"{self!r} proposes transactions; it never signs one")


class LocalKeySigner(Signer):
    """A private key held in this process: RWAKIT_PRIVATE_KEY, or a decrypted keystore."""

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @classmethod
    def from_private_key(cls, key: str | bytes) -> LocalKeySigner:
        try:
            account = Account.from_key(key)
        except (ValueError, TypeError):
            # `from None`: the library's message may quote the malformed key.
            raise InvalidInput("The private key is malformed (expected 32 bytes of hex)", code="invalid_key") from None
        return cls(account)

    @property
    def address(self) -> ChecksumAddress:
        return self._account.address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise InvalidInput("A digest to sign is 32 bytes", code="invalid_digest")
        return bytes(self._account.unsafe_sign_hash(Hash32(digest)).signature)


class DevKeySigner(LocalKeySigner):
    """An account of the public development mnemonic: accepted on local chains only (see
    rwakit.chain.connection.connect_url), since anyone can derive its key."""

    @classmethod
    def from_mnemonic(cls, mnemonic: str, index: int = 0) -> DevKeySigner:
        if not 0 <= index < HARDENED:  # BIP-32: the last level of m/44'/60'/0'/0/N is not hardened
            raise InvalidInput(
                f"A development account is numbered 0 to {HARDENED - 1}, not {index}", code="invalid_dev_account"
            )
        return cls(Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}"))


class KeystoreSigner(LocalKeySigner):
    """A key from an eth-account keystore file (scrypt or pbkdf2, AES-128-CTR), decrypted once."""

    @classmethod
    def load(cls, path: Path, passphrase: str) -> KeystoreSigner:
        try:
            keystore = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"Cannot read the keystore {path}: {exc}", code="keystore_unreadable") from None
        try:
            key = Account.decrypt(keystore, passphrase)
        except ValueError:
            raise ConfigError(
                f"The passphrase does not open the keystore {path} (MAC mismatch): check "
                "RWAKIT_KEYSTORE_PASSPHRASE_FILE or RWAKIT_KEYSTORE_PASSPHRASE",
                code="keystore_passphrase_wrong",
            ) from None
        except (KeyError, TypeError):
            raise ConfigError(f"{path} is not an Ethereum keystore", code="keystore_unreadable") from None
        return cls(Account.from_key(key))


def write_keystore(path: Path, passphrase: str, private_key: str | bytes | None = None) -> ChecksumAddress:
    """Encrypt a new (or the given) key into a keystore file readable by this user only; return its address."""
    if not passphrase:
        raise InvalidInput("A keystore needs a non-empty passphrase", code="keystore_passphrase_empty")
    if path.exists():
        raise InvalidInput(f"{path} exists: choose another path, an existing keystore is never overwritten",
                           code="keystore_exists")  # fmt: skip
    signer = LocalKeySigner.from_private_key(private_key) if private_key is not None else None
    account = signer._account if signer is not None else Account.create()
    keystore = Account.encrypt(account.key, passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(keystore, out)
    return account.address


def read_passphrase(
    *, file: Path | None = None, env: str = "RWAKIT_KEYSTORE_PASSPHRASE", prompt: Callable[[], str] | None = None
) -> str:
    """The keystore's passphrase: from `file` (its first line; refused if its group or others may read it, as
    ssh refuses such a key), else the environment variable `env`, else `prompt` (the CLI asks on the
    terminal); refused if none gives one."""
    if file is not None:
        try:
            if (mode := file.stat().st_mode) & 0o077:
                raise ConfigError(
                    f"The passphrase file {file} is open to its group or others (mode {mode & 0o777:o}): "
                    f"`chmod 600 {file}`",
                    code="passphrase_file_too_open",
                )
            return next(iter(file.read_text().splitlines()), "")
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the passphrase file {file}: {exc.strerror}", code="keystore_unreadable"
            ) from None
    if (value := os.environ.get(env)) is not None:
        return value
    if prompt is not None:
        return prompt()
    raise ConfigError(
        f"No keystore passphrase: set RWAKIT_KEYSTORE_PASSPHRASE_FILE (a file readable by this user only) or {env}, "
        "or run the command on a terminal, which asks for it",
        code="keystore_passphrase_missing",
    )


def terminal_prompt(what: str) -> Callable[[], str] | None:
    """Asks for `what`'s passphrase on the terminal, never echoed, when stdin is one; None otherwise (a
    service or a script, which must give a file or the environment variable instead)."""
    if not sys.stdin.isatty():
        return None
    return lambda: getpass.getpass(f"Passphrase of {what}: ")


def usable_signers(signers: list[Signer], chain_id: int) -> list[Signer]:
    """`signers` without the development mnemonic's accounts unless the chain is a local one; refused
    when that leaves none (no operator key was given for a public chain)."""
    if chain_id in LOCAL_CHAIN_IDS:
        return signers
    kept = [s for s in signers if not isinstance(s, DevKeySigner)]
    if not kept:
        raise ConfigError(
            f"Chain {chain_id} is not a local chain, and the development mnemonic's keys are public: "
            "give the operator's key with RWAKIT_KEYSTORE (and its passphrase) or RWAKIT_PRIVATE_KEY",
            code="dev_key_on_public_chain",
            chain_id=chain_id,
        )
    return kept
