"""An investor's holdings across every asset, read at one pinned block, and their transfer history."""

from __future__ import annotations

from typing import Any, Literal

from web3 import Web3

from rwakit.api.schemas.holdings import HistoryPublic, HoldingPublic, HoldingsPublic, TransferEvent
from rwakit.chain.reads import Call, at_latest_block, read
from rwakit.contracts import load_artifact
from rwakit.errors import NotFound
from rwakit.platform import Platform
from rwakit.units import format_units, investor_id_to_bytes32

ZERO = "0x" + "00" * 20
TRANSFER_TOPIC = Web3.keccak(text="Transfer(address,address,uint256)").to_0x_hex()


def holdings(*, platform: Platform, investor_id: str) -> HoldingsPublic:
    """Every balance of every wallet of the investor, in every asset, as of one block."""
    w3 = platform.chain.w3
    registry, factory = platform.registry.address, platform.deployment.factory
    raw_id = investor_id_to_bytes32(investor_id)

    def at(block: int, block_hash: str) -> HoldingsPublic:
        wallets, assets = read(w3, [Call(registry, "walletsOf(bytes32)", (raw_id,), "address[]"),
                                    Call(factory, "assets()", (), "address[]")], block=block)  # fmt: skip
        if not wallets:
            raise NotFound(
                f"No investor {investor_id!r} in the registry", code="investor_not_found", investor_id=investor_id
            )
        calls = []
        for asset in assets:
            calls += [Call(asset, "symbol()", (), "string"), Call(asset, "decimals()", (), "uint8")]
            calls += [Call(asset, "balanceOf(address)", (w,)) for w in wallets]
        values = read(w3, calls, block=block)
        width = 2 + len(wallets)
        held = []
        for i, asset in enumerate(assets):
            symbol, decimals, *balances = values[i * width : (i + 1) * width]
            if total := sum(balances):
                held.append(HoldingPublic(
                    asset=asset, symbol=symbol, decimals=decimals, amount=format_units(total, decimals),
                    base_units=str(total),
                    wallets={w: format_units(b, decimals) for w, b in zip(wallets, balances, strict=True) if b},
                ))  # fmt: skip
        return HoldingsPublic(investor_id=investor_id, block_number=block, block_hash=block_hash, holdings=held)

    return at_latest_block(w3, at)


def history(*, platform: Platform, investor_id: str) -> HistoryPublic:
    """Every move of shares to or from the investor's current wallets since the platform was deployed."""
    w3 = platform.chain.w3
    wallets = platform.registry.get(investor_id).wallets
    to_block = int(w3.eth.block_number)
    assets = platform.assets.factory.functions.assets().call(block_identifier=to_block)
    if not assets:
        return HistoryPublic(investor_id=investor_id, to_block=to_block, transfers=[])
    topics = ["0x" + "00" * 12 + w[2:].lower() for w in wallets]
    base: dict[str, Any] = {"address": assets, "fromBlock": platform.deployment.block_number, "toBlock": to_block}
    logs = w3.eth.get_logs({**base, "topics": [TRANSFER_TOPIC, topics]})  # type: ignore[typeddict-item]
    logs += w3.eth.get_logs({**base, "topics": [TRANSFER_TOPIC, None, topics]})  # type: ignore[typeddict-item]
    meta = read(
        w3, [c for a in assets for c in (Call(a, "symbol()", (), "string"), Call(a, "decimals()", (), "uint8"))]
    )
    info = {a: (meta[2 * i], meta[2 * i + 1]) for i, a in enumerate(assets)}
    transfer = load_artifact("AssetToken").at(w3, assets[0]).events.Transfer()
    mine = set(wallets)
    seen: set[tuple[str, int]] = set()
    events = []
    for log in sorted(logs, key=lambda entry: (entry["blockNumber"], entry["logIndex"])):
        key = (log["transactionHash"].to_0x_hex(), int(log["logIndex"]))
        if key in seen:
            continue
        seen.add(key)
        address = Web3.to_checksum_address(log["address"])
        args = transfer.process_log(log)["args"]
        sender, receiver = args["from"], args["to"]
        symbol, decimals = info[address]
        kind = _kind(sender, receiver, mine)
        events.append(
            TransferEvent(
                asset=address,
                symbol=symbol,
                block_number=log["blockNumber"],
                tx_hash=key[0],
                log_index=key[1],
                kind=kind,
                sender=sender,
                receiver=receiver,
                amount=format_units(args["value"], decimals),
            )
        )
    return HistoryPublic(investor_id=investor_id, to_block=to_block, transfers=events)


def _kind(sender: str, receiver: str, mine: set[str]) -> Literal["issue", "redeem", "in", "out", "internal"]:
    if sender == ZERO:
        return "issue"
    if receiver == ZERO:
        return "redeem"
    if sender in mine:
        return "internal" if receiver in mine else "out"
    return "in"
