"""Decode revert data into the custom error (EIP-6093 style) our contracts declared.

web3.py hands back raw revert bytes for custom errors; we match the 4-byte selector against
every error in our shipped ABIs and decode the arguments by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from rwakit.contracts.artifacts import all_abis
from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ChainError, ComplianceError, ContractRevert, TransactionFailed

# Solidity's built-in Error(string) and Panic(uint256).
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


@dataclass(frozen=True)
class DecodedRevert:
    name: str
    args: dict[str, Any]

    def describe(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.name}({inner})"


def _type_string(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return str(param["type"])


@cache
def _error_table() -> dict[bytes, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    table: dict[bytes, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
    for abi in all_abis():
        for entry in abi:
            if entry["type"] != "error":
                continue
            types = tuple(_type_string(p) for p in entry["inputs"])
            names = tuple(p["name"] or f"arg{i}" for i, p in enumerate(entry["inputs"]))
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            table[selector] = (entry["name"], types, names)
    return table


def decode_revert(data: bytes | str | None) -> DecodedRevert | None:
    """The error behind revert `data`, or None if it is empty or not one we know."""
    if isinstance(data, str):
        data = bytes.fromhex(data.removeprefix("0x"))
    if not data or len(data) < 4:
        return None
    selector, payload = data[:4], data[4:]
    if selector == _ERROR_STRING:
        return DecodedRevert("Error", {"message": decode(["string"], payload)[0]})
    if selector == _PANIC:
        return DecodedRevert("Panic", {"code": decode(["uint256"], payload)[0]})
    known = _error_table().get(selector)
    if known is None:
        return None
    name, types, names = known
    values = decode(list(types), payload)
    return DecodedRevert(name, {n: _plain(t, v) for n, t, v in zip(names, types, values, strict=True)})


def _plain(abi_type: str, value: Any) -> Any:
    """Addresses checksummed (as web3 returns them elsewhere), bytes as 0x-hex strings."""
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


# Refusals the contract reports with an error of their own (carrying their data), not with a code.
_REFUSALS = {
    "AssetExceedsAuthorised": Restriction.EXCEEDS_AUTHORISED,
    "AssetWalletReassigned": Restriction.WALLET_REASSIGNED,
    "ERC7943InsufficientUnfrozenBalance": Restriction.INSUFFICIENT_UNFROZEN_BALANCE,
    "ERC20InsufficientBalance": Restriction.INSUFFICIENT_BALANCE,
}


def revert_error(decoded: DecodedRevert | None, label: str) -> ChainError:
    """The typed rwakit error for a decoded revert of the call described by `label`."""
    if decoded is None:
        return TransactionFailed(f"{label} reverted without a reason our contracts declare")
    message = f"{label} refused: {decoded.describe()}"
    if decoded.name == "AssetTransferRestricted":
        code = Restriction.parse(decoded.args["code"])
        reason = code.reason if isinstance(code, Restriction) else f"code_{code}"
        return ComplianceError(
            f"{label} refused: {reason}", reason_code=int(code), reason=reason, error=decoded.name, args=decoded.args
        )
    if decoded.name in _REFUSALS:
        restriction = _REFUSALS[decoded.name]
        return ComplianceError(
            f"{label} refused: {restriction.reason}",
            reason_code=int(restriction),
            reason=restriction.reason,
            error=decoded.name,
            args=decoded.args,
        )
    if decoded.name == "AccessControlUnauthorizedAccount":
        return AccessDenied(
            f"{label} refused: {decoded.args['account']} lacks role {decoded.args['neededRole']}",
            error=decoded.name,
            args=decoded.args,
        )
    return ContractRevert(message, error=decoded.name, args=decoded.args)
