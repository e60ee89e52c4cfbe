"""Key material a test must never find in a log line, an error, a traceback or a response."""

from __future__ import annotations

import traceback

from eth_account import Account

from rwakit.config import DEV_MNEMONIC


def dev_key(index: int) -> str:
    """The development mnemonic's key `index` as 64 hex digits (no 0x)."""
    return bytes(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key).hex()


def forms(key_hex: str) -> list[str]:
    """The ways a key can be spelled: with and without 0x, either case, and the mnemonic."""
    bare = key_hex.removeprefix("0x")
    return [bare, bare.upper(), f"0x{bare}", DEV_MNEMONIC]


def assert_no_secret(text: str, key_hex: str) -> None:
    for form in forms(key_hex):
        assert form.lower() not in text.lower(), f"key material in: {text[:300]}"


def exception_text(exc: BaseException) -> str:
    """The exception as a traceback prints it, with its chained causes."""
    return "".join(traceback.format_exception(exc))
