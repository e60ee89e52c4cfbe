"""A Safe transaction, its EIP-712 hash and its owners' signatures, computed here (not with
safe-eth-py: see docs/custody.md) and tested against the Safe contract's own ``getTransactionHash``.

The hash is Safe 1.4.1's: ``keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(abi.encode(SAFE_TX_TYPEHASH,
to, value, keccak256(data), operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce)))`` with
the domain ``EIP712Domain(uint256 chainId, address verifyingContract)``. An owner signs it with
``eth_signTypedData_v4`` over :meth:`SafeTx.typed_data` (any wallet), or a :class:`Signer` signs the digest:
the same 65 bytes either way (v = 27 or 28, which the Safe verifies with ecrecover over the hash itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_typing import ChecksumAddress
from web3 import Web3

from rwakit.errors import InvalidInput

ZERO_ADDRESS = "0x" + "00" * 20
DOMAIN_TYPEHASH = Web3.keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_TX_TYPEHASH = Web3.keccak(
    text="SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
SIGNATURE_LENGTH = 65


@dataclass(frozen=True)
class SafeTx:
    """One call the Safe makes (operation 0, CALL; no gas refund: the executor pays its own gas)."""

    chain_id: int
    safe: ChecksumAddress
    to: ChecksumAddress
    data: bytes
    nonce: int
    value: int = 0

    @property
    def domain_separator(self) -> bytes:
        return Web3.keccak(encode(["bytes32", "uint256", "address"], [DOMAIN_TYPEHASH, self.chain_id, self.safe]))

    @property
    def struct_hash(self) -> bytes:
        types = [
            "bytes32",
            "address",
            "uint256",
            "bytes32",
            "uint8",
            "uint256",
            "uint256",
            "uint256",
            "address",
            "address",
            "uint256",
        ]
        values = [
            SAFE_TX_TYPEHASH,
            self.to,
            self.value,
            Web3.keccak(self.data),
            0,
            0,
            0,
            0,
            ZERO_ADDRESS,
            ZERO_ADDRESS,
            self.nonce,
        ]
        return Web3.keccak(encode(types, values))

    @property
    def hash(self) -> bytes:
        """The SafeTx hash owners sign (the contract's ``getTransactionHash``)."""
        return Web3.keccak(b"\x19\x01" + self.domain_separator + self.struct_hash)

    def typed_data(self) -> dict[str, Any]:
        """The EIP-712 message for an owner's wallet (``eth_signTypedData_v4``)."""
        return {
            "types": {
                "EIP712Domain": [
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"},
                ],
                "SafeTx": [
                    {"name": n, "type": t}
                    for n, t in (
                        ("to", "address"),
                        ("value", "uint256"),
                        ("data", "bytes"),
                        ("operation", "uint8"),
                        ("safeTxGas", "uint256"),
                        ("baseGas", "uint256"),
                        ("gasPrice", "uint256"),
                        ("gasToken", "address"),
                        ("refundReceiver", "address"),
                        ("nonce", "uint256"),
                    )
                ],
            },
            "primaryType": "SafeTx",
            "domain": {"chainId": self.chain_id, "verifyingContract": self.safe},
            "message": {
                "to": self.to,
                "value": self.value,
                "data": "0x" + self.data.hex(),
                "operation": 0,
                "safeTxGas": 0,
                "baseGas": 0,
                "gasPrice": 0,
                "gasToken": ZERO_ADDRESS,
                "refundReceiver": ZERO_ADDRESS,
                "nonce": self.nonce,
            },
        }

    def signer_of(self, signature: bytes) -> ChecksumAddress:
        """The address whose key made `signature` over this transaction (whoever it is: the caller checks
        it is an owner). A 0/1 recovery id, as some hardware wallets give, is read as 27/28."""
        if len(signature) != SIGNATURE_LENGTH:
            raise InvalidInput(f"A signature is {SIGNATURE_LENGTH} bytes (r, s, v)", code="invalid_signature")
        v = signature[64] + 27 if signature[64] in (0, 1) else signature[64]
        if v not in (27, 28):
            raise InvalidInput(
                "Only EIP-712 signatures (v = 27 or 28) are accepted: sign with eth_signTypedData_v4",
                code="invalid_signature",
            )
        try:
            return Web3.to_checksum_address(
                Account.recover_message(
                    encode_typed_data(full_message=self.typed_data()), signature=signature[:64] + bytes([v])
                )
            )
        except Exception:  # eth-keys refuses an s above the curve's half order, a zero r, ...
            raise InvalidInput("The signature does not recover to any key", code="invalid_signature") from None


def normalized(signature: bytes) -> bytes:
    """A 65-byte ECDSA signature with its recovery id as the Safe reads it (27/28, not 0/1)."""
    return signature[:64] + bytes([signature[64] + 27]) if signature[64] in (0, 1) else signature


def approved_hash_marker(owner: str) -> bytes:
    """The signature slot of an owner who approved the hash on chain (approveHash): r = the owner, s = 0, v = 1."""
    return encode(["address", "uint256"], [owner, 0]) + b"\x01"


def packed_signatures(signatures: dict[str, bytes]) -> bytes:
    """The owners' signatures as execTransaction takes them, ordered by owner address ascending: each r ‖ s ‖ v
    (normalized ECDSA signatures, or approved-hash markers)."""
    return b"".join(sig for _, sig in sorted(signatures.items(), key=lambda item: int(item[0], 16)))
