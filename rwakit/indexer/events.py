"""The platform's events, decoded from raw JSON-RPC logs.

Topic hashes are computed once from the shipped ABIs; topics and data are sliced by hand (an
indexed address is the topic's last 40 hex digits, a static value one 64-digit data word) and
eth_abi decodes only the events that carry a string. web3's ``process_log`` builds an
AttributeDict per log and costs about twenty times as much.

TokensFrozen and TokensUnfrozen are not followed: every change of a wallet's frozen amount also
emits ERC-7943's ``Frozen`` with the new total, which is all the index keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from rwakit.contracts import load_artifact

# Events the index follows, by the contract kind that emits them.
REGISTRY_EVENTS = ("InvestorRegistered", "InvestorUpdated", "InvestorRevoked", "InvestorReinstated",
                   "WalletAdded", "WalletRemoved", "RoleGranted", "RoleRevoked")  # fmt: skip
FACTORY_EVENTS = ("AssetCreated", "RoleGranted", "RoleRevoked")
ASSET_EVENTS = ("Transfer", "ForcedTransfer", "RecoverySuccess", "Paused", "Unpaused", "AddressFrozen", "Frozen",
                "SharesAuthorisedUpdated", "CountryAllowed", "CountryBlocked", "AllowListEnabled",
                "AllowedClassesSet", "LockupSet", "MinimumLotSet", "MaxHoldersSet", "MaxBalanceSet",
                "DocumentUpdated", "DocumentRemoved", "RoleGranted", "RoleRevoked")  # fmt: skip
FUND_FACTORY_EVENTS = ("FundVaultCreated",)
VAULT_EVENTS = ("NavPublished", "NavConfirmed", "TermsSet", "DealingDaySettled", "RedemptionFeePaid",
                "DepositRequest", "RedeemRequest", "Deposit", "Withdraw", "CancelDepositRequest",
                "CancelDepositClaim", "CancelRedeemRequest", "CancelRedeemClaim", "OperatorSet", "RoleGranted",
                "RoleRevoked")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded log. ``args`` are in the event's declaration order; addresses checksummed,
    investor ids as strings, bytes32 names and role hashes as 0x hex."""

    name: str
    contract: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    args: tuple[Any, ...]


class UnknownEvent(ValueError):
    """A log whose first topic is not an event the index follows (never raised for a filtered query)."""


@cache
def address(hex_digits: str) -> str:
    """The checksummed address of a topic or word (its last 40 hex digits); cached: wallets recur."""
    return to_checksum_address("0x" + hex_digits[-40:])


def investor_id(topic: str) -> str:
    """A bytes32 investor id as the registry's clients write it (ASCII, right-padded with zeros);
    an id written by another client in other bytes is kept as its 0x hex, never dropped."""
    raw = bytes.fromhex(topic[2:]).rstrip(b"\0")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return topic
    return text if text.isprintable() and text else topic


def _words(data: str) -> list[int]:
    body = data[2:]
    return [int(body[i : i + 64], 16) for i in range(0, len(body), 64)]


def _word(data: str) -> int:
    return int(data[2:66], 16)


def _word_address(word: int) -> str:
    return address(f"{word:040x}")


def _terms(data: str) -> tuple[Any, ...]:
    """FundVault.Terms, eight static words: cashAccount, subscriptionFeeBps, redemptionFeeBps,
    maxNavDeviationBps, maxNavAge, feeAccount, minSubscription, minRedemption."""
    w = _words(data)
    return (_word_address(w[0]), w[1], w[2], w[3], w[4], _word_address(w[5]), w[6], w[7])


def _strings(types: list[str], data: str) -> tuple[Any, ...]:
    return tuple(decode(types, bytes.fromhex(data[2:])))


Decoder = Callable[[list[str], str], tuple[Any, ...]]

_DECODERS: dict[str, Decoder] = {
    "Transfer": lambda t, d: (address(t[1]), address(t[2]), _word(d)),
    "ForcedTransfer": lambda t, d: (address(t[1]), address(t[2]), _word(d)),
    "RecoverySuccess": lambda t, d: (address(t[1]), address(t[2]), investor_id(t[3])),
    "Paused": lambda t, d: (),
    "Unpaused": lambda t, d: (),
    "AddressFrozen": lambda t, d: (address(t[1]), int(t[2], 16) != 0),
    "Frozen": lambda t, d: (address(t[1]), _word(d)),
    "SharesAuthorisedUpdated": lambda t, d: (_word(d),),
    "CountryAllowed": lambda t, d: (int(t[1], 16), _word(d) != 0),
    "CountryBlocked": lambda t, d: (int(t[1], 16), _word(d) != 0),
    "AllowListEnabled": lambda t, d: (_word(d) != 0,),
    "AllowedClassesSet": lambda t, d: (_word(d),),
    "LockupSet": lambda t, d: (_word(d),),
    "MinimumLotSet": lambda t, d: (_word(d),),
    "MaxHoldersSet": lambda t, d: (_word(d),),
    "MaxBalanceSet": lambda t, d: (_word(d),),
    "DocumentUpdated": lambda t, d: (t[1], *_document(d)),
    "DocumentRemoved": lambda t, d: (t[1], *_document(d)),
    "RoleGranted": lambda t, d: (t[1], address(t[2])),
    "RoleRevoked": lambda t, d: (t[1], address(t[2])),
    "InvestorRegistered": lambda t, d: (investor_id(t[1]), int(t[2], 16), *_words(d)[:3]),
    "InvestorUpdated": lambda t, d: (investor_id(t[1]), *_words(d)[:3]),
    "InvestorRevoked": lambda t, d: (investor_id(t[1]),),
    "InvestorReinstated": lambda t, d: (investor_id(t[1]),),
    "WalletAdded": lambda t, d: (investor_id(t[1]), address(t[2])),
    "WalletRemoved": lambda t, d: (investor_id(t[1]), address(t[2])),
    "AssetCreated": lambda t, d: (address(t[1]), address(t[2]), *_strings(["string", "uint8"], d)),
    "FundVaultCreated": lambda t, d: (address(t[1]), address(t[2]), address(t[3]), _word(d)),
    "NavPublished": lambda t, d: (int(t[1], 16), *_words(d)[:2], _words(d)[2] != 0),
    "NavConfirmed": lambda t, d: (int(t[1], 16), address(t[2])),
    "TermsSet": lambda t, d: _terms(d),
    "DealingDaySettled": lambda t, d: (int(t[1], 16), int(t[2], 16), *_words(d)[:4]),
    "RedemptionFeePaid": lambda t, d: (address(t[1]), _word(d)),
    # controller, owner, sender, amount
    "DepositRequest": lambda t, d: (address(t[1]), address(t[2]), _word_address(_word(d)), _words(d)[1]),
    "RedeemRequest": lambda t, d: (address(t[1]), address(t[2]), _word_address(_word(d)), _words(d)[1]),
    "Deposit": lambda t, d: (address(t[1]), address(t[2]), *_words(d)[:2]),  # controller, receiver, assets, shares
    "Withdraw": lambda t, d: (address(t[1]), address(t[2]), address(t[3]), *_words(d)[:2]),
    "CancelDepositRequest": lambda t, d: (address(t[1]),),
    "CancelRedeemRequest": lambda t, d: (address(t[1]),),
    "CancelDepositClaim": lambda t, d: (address(t[1]), address(t[2]), _words(d)[1]),  # controller, receiver, assets
    "CancelRedeemClaim": lambda t, d: (address(t[1]), address(t[2]), _words(d)[1]),
    "OperatorSet": lambda t, d: (address(t[1]), address(t[2]), _word(d) != 0),
}


def _document(data: str) -> tuple[str, str]:
    uri, document_hash = _strings(["string", "bytes32"], data)
    return str(uri), "0x" + bytes(document_hash).hex()


@cache
def topics() -> Mapping[str, str]:
    """topic0 -> event name, for every event the index follows, from the shipped ABIs."""
    found: dict[str, str] = {}
    wanted = set(REGISTRY_EVENTS) | set(FACTORY_EVENTS) | set(ASSET_EVENTS) | set(FUND_FACTORY_EVENTS)
    wanted |= set(VAULT_EVENTS)
    for artifact in ("InvestorRegistry", "AssetFactory", "AssetToken", "FundVaultFactory", "FundVault"):
        for item in load_artifact(artifact).abi:
            if item["type"] == "event" and item["name"] in wanted:
                signature = f"{item['name']}({','.join(_canonical(i) for i in item['inputs'])})"
                found["0x" + keccak(text=signature).hex()] = item["name"]
    missing = wanted - set(found.values())
    if missing:
        raise RuntimeError(f"the shipped ABIs lack events the index follows: {sorted(missing)}")
    return found


def _canonical(parameter: Mapping[str, Any]) -> str:
    """An ABI parameter's type as an event signature spells it: a struct is its components' tuple."""
    kind = str(parameter["type"])
    if kind.startswith("tuple"):
        return f"({','.join(_canonical(c) for c in parameter['components'])}){kind[len('tuple'):]}"
    return kind


def topic_filter(names: tuple[str, ...]) -> list[str]:
    """The topic0 values of `names`, for an eth_getLogs filter."""
    return sorted(topic for topic, name in topics().items() if name in names)


def decode_log(log: Mapping[str, Any]) -> Event:
    """An Event from one raw eth_getLogs entry (hex strings, as the node sends them)."""
    log_topics: list[str] = [t.lower() for t in log["topics"]]
    name = topics().get(log_topics[0]) if log_topics else None
    if name is None:
        raise UnknownEvent(f"log {log.get('transactionHash')}:{log.get('logIndex')} is no event the index follows")
    return Event(
        name=name,
        contract=address(str(log["address"]).lower()[2:]),
        block_number=int(log["blockNumber"], 16),
        block_hash=str(log["blockHash"]),
        tx_hash=str(log["transactionHash"]),
        log_index=int(log["logIndex"], 16),
        args=_DECODERS[name](log_topics, str(log["data"])),
    )
