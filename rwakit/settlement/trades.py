"""Delivery-versus-payment trades over the platform's DvP contract (contracts/settlement/).

Each step approves what it locks: the proposer's leg at proposal, the acceptor's at acceptance (shares
to the DvP contract for the seller, the price in the settlement currency for the buyer). One allowance
serves all of a wallet's trades, so the approval is what the signer's other live trades still need plus
this trade's leg (an allowance set, not added: sending it again sets the same value); a cancel, an
unwind or a failed settlement lowers it again by what that trade needed.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property
from typing import Any

from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.reads import Call, read
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import DecodedRevert, decode_revert, load_artifact
from rwakit.contracts.reverts import revert_error
from rwakit.deployment import Deployment
from rwakit.errors import ChainError, InvalidInput, NotFound
from rwakit.settlement.cash import CashService, settlement_address
from rwakit.tokenize.service import AssetService
from rwakit.units import to_address

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_FEE_BPS = 10_000
# DeliveryVersusPayment.Trade, as its `trade(uint256)` view returns it
TRADE_TUPLE = "(address,uint40,uint16,uint8,bool,address,address,uint96,uint256)"


class TradeStatus(IntEnum):
    PROPOSED = 1
    ACCEPTED = 2
    SETTLED = 3
    CANCELLED = 4
    FAILED = 5
    EXPIRED = 6

    @property
    def label(self) -> str:
        return self.name.lower()


UNUSED = (TradeStatus.CANCELLED, TradeStatus.EXPIRED, TradeStatus.FAILED)  # ended without moving the shares


@dataclass(frozen=True)
class Terms:
    """A proposal, checked and in base units: what :meth:`TradeService.send_propose` sends."""

    token: str
    counterparty: str  # the zero address: an open proposal
    as_seller: bool
    shares: int
    payment: int
    expiry: int  # unix seconds
    label: str


@dataclass(frozen=True)
class Trade:
    id: int
    seller: str
    buyer: str  # the zero address: an open proposal for the desk to match
    asset: str
    quantity: int  # the asset's base units
    price: int  # the settlement currency's base units, the whole payment
    expiry: int  # unix seconds
    fee_bps: int
    status: TradeStatus
    seller_proposed: bool

    @property
    def legs(self) -> tuple[int, int]:
        """What the DvP contract may still pull through allowances for this trade: (shares from the seller,
        settlement currency from the buyer). A proposal locks its proposer's leg; an accepted trade has its
        payment in escrow and waits for the seller's shares; an ended trade needs nothing."""
        if self.status is TradeStatus.ACCEPTED:
            return self.quantity, 0
        if self.status is TradeStatus.PROPOSED:
            return (self.quantity, 0) if self.seller_proposed else (0, self.price)
        return 0, 0


class TradeService:
    def __init__(self, chain: Chain, txm: TransactionManager, deployment: Deployment, assets: AssetService,
                 cash: CashService) -> None:  # fmt: skip
        self._chain = chain
        self._txm = txm
        self._deployment = deployment
        self._assets = assets
        self._cash = cash

    @property
    def chain(self) -> Chain:
        return self._chain

    @property
    def assets(self) -> AssetService:
        return self._assets

    @cached_property
    def dvp(self) -> Contract:
        return load_artifact("DeliveryVersusPayment").at(self._chain.w3, settlement_address(self._deployment, "dvp"))

    def propose(self, proposer: Signer, *, asset: str, counterparty: str | None, quantity: str | int,
                price: str | int, expires_in: int, as_seller: bool) -> Trade:  # fmt: skip
        """Propose selling (`as_seller`) or buying `quantity` shares of `asset` for `price` in the settlement
        currency, to `counterparty` (an investor id or wallet; None: an open proposal for the desk)."""
        terms = self.terms(asset=asset, counterparty=counterparty, quantity=quantity, price=price,
                           expires_in=expires_in, as_seller=as_seller)  # fmt: skip
        self.approve(proposer, terms)
        return self.proposed(self.send_propose(proposer, terms))

    def terms(self, *, asset: str, counterparty: str | None, quantity: str | int, price: str | int,
              expires_in: int, as_seller: bool) -> Terms:  # fmt: skip
        """A proposal's terms, checked and in base units (nothing is sent)."""
        if expires_in <= 0:
            raise InvalidInput(f"A trade must expire in the future, not in {expires_in} s", code="invalid_expiry")
        token = self._assets.token(asset)
        shares, payment = self._assets.amount(asset, quantity), self._cash.units(price)
        other = ZERO_ADDRESS if counterparty is None else self._assets.recipient(counterparty)
        expiry = int(self._chain.w3.eth.get_block("latest")["timestamp"]) + expires_in
        side = "sell" if as_seller else "buy"
        label = f"propose to {side} {quantity} {asset} for {price}"
        return Terms(token.address, other, as_seller, shares, payment, expiry, label)

    def approve(self, party: Signer, terms: Terms) -> None:
        """Approve the proposer's leg to the DvP contract, on top of what its live trades need (an allowance:
        sending it again sets the same value)."""
        self._approve_leg(party, *((terms.token, terms.shares) if terms.as_seller else (None, terms.payment)))

    def send_propose(self, proposer: Signer, terms: Terms) -> TxReceipt:
        """The proposal's one transaction (its leg approved first: :meth:`approve`)."""
        call = self.dvp.functions.propose(terms.counterparty, terms.as_seller, terms.token, terms.shares,
                                          terms.payment, terms.expiry)  # fmt: skip
        return self._txm.transact(proposer, call, label=terms.label)

    def proposed(self, receipt: TxReceipt) -> Trade:
        """The trade a mined proposal created."""
        [event] = self.dvp.events.TransferIncepted().process_receipt(receipt, errors=DISCARD)
        return self.get(int(event["args"]["id"]))

    def accept(self, acceptor: Signer, trade_id: int) -> Trade:
        """Accept as the named counterparty: the compliance check runs, and the payment goes into escrow."""
        self.approve_acceptance(acceptor, self.check_acceptance(trade_id))
        self.send_step(acceptor, "accept", trade_id)
        return self.get(trade_id)

    def check_acceptance(self, trade_id: int) -> Trade:
        """The trade, if its acceptance would go through now (nothing is sent)."""
        trade = self.get(trade_id)
        token = self._assets.token(trade.asset)
        # The contract checks compliance again; asked first, a refusal leaves no approval behind.
        code = int(token.functions.detectTransferRestriction(trade.seller, trade.buyer, trade.quantity).call())
        if code:
            args = {"from": trade.seller, "to": trade.buyer, "amount": trade.quantity, "code": code}
            raise revert_error(DecodedRevert("AssetTransferRestricted", args), f"accept trade {trade_id}")
        if (cash := self._cash.balance(trade.buyer)) < trade.price:
            raise InvalidInput(
                f"The buyer {trade.buyer} holds {self._cash.display(cash)} {self._cash.symbol}, less than the price "
                f"{self._cash.display(trade.price)}: fund the wallet first",
                code="insufficient_cash",
            )
        return trade

    def approve_acceptance(self, acceptor: Signer, trade: Trade) -> None:
        """Approve the acceptor's leg to the DvP contract, on top of what its live trades need (an allowance:
        sending it again sets the same value)."""
        as_seller = acceptor.address == trade.seller
        self._approve_leg(acceptor, *((trade.asset, trade.quantity) if as_seller else (None, trade.price)))

    def send_step(self, party: Signer, action: str, trade_id: int) -> TxReceipt:
        """The one transaction of `action` (accept, settle, cancel, unwind) on trade `trade_id`."""
        call = getattr(self.dvp.functions, action)(trade_id)
        return self._txm.transact(party, call, label=f"{action} trade {trade_id}")

    def match(self, desk: Signer, sell_id: int, buy_id: int) -> Trade:
        """The OTC desk matches an open sell proposal with a buy proposal on the same terms: the sell
        proposal becomes the accepted trade (the buyer's payment escrowed), the buy proposal ends cancelled."""
        self.send_match(desk, sell_id, buy_id)
        return self.get(sell_id)

    def send_match(self, desk: Signer, sell_id: int, buy_id: int) -> TxReceipt:
        """The match's one transaction (both trades must exist: NotFound before anything is sent)."""
        self.get(sell_id), self.get(buy_id)
        label = f"match trades {sell_id} and {buy_id}"
        return self._txm.transact(desk, self.dvp.functions.matchTrades(sell_id, buy_id), label=label)

    def settle(self, sender: Signer, trade_id: int) -> Trade:
        """Settle both legs. If the asset refuses the shares leg, the payment has gone back to the buyer
        (and the seller's allowance is lowered, when the seller sends) when this raises the asset's refusal
        (a ComplianceError with its reason code)."""
        before = self.get(trade_id)  # an unknown id: NotFound before anything is sent
        receipt = self.send_step(sender, "settle", trade_id)
        trade = self.after_step(sender, before)
        self.check_settled(receipt, trade_id)
        return trade

    def refusal(self, receipt: TxReceipt, trade_id: int) -> ChainError | None:
        """The asset's refusal if the mined settlement's shares leg failed (the buyer was refunded)."""
        for event in self.dvp.events.TransferFailed().process_receipt(receipt, errors=DISCARD):
            error = revert_error(decode_revert(bytes(event["args"]["reason"])), f"settle trade {trade_id}")
            error.details["trade_status"] = TradeStatus.FAILED.label
            return error
        return None

    def check_settled(self, receipt: TxReceipt, trade_id: int) -> None:
        """Raise the asset's refusal if the mined settlement's shares leg failed (the buyer was refunded)."""
        if (error := self.refusal(receipt, trade_id)) is not None:
            raise error

    def cancel(self, party: Signer, trade_id: int) -> Trade:
        before = self.get(trade_id)
        self.send_step(party, "cancel", trade_id)
        return self.after_step(party, before)

    def unwind(self, sender: Signer, trade_id: int) -> Trade:
        before = self.get(trade_id)
        self.send_step(sender, "unwind", trade_id)
        return self.after_step(sender, before)

    def after_step(self, party: Signer, before: Trade) -> Trade:
        """The trade after `party`'s mined cancel, unwind or settlement of `before` (the trade as it was). If
        it ended with its legs unused (cancelled, expired, failed), `party`'s allowance is lowered by the leg
        it had approved, not below what its other live trades need. Only an allowance's owner can lower it:
        another sender's step (anyone unwinds) leaves it, and the owner's next approval sets it right."""
        trade = self.get(before.id)
        if trade.status in UNUSED:
            shares, cash = before.legs
            if shares and party.address == before.seller:
                self._lower(party, before.asset, shares)
            if cash and party.address == before.buyer:
                self._lower(party, None, cash)
        return trade

    def set_fee(self, admin: Signer, fee_bps: int) -> TxReceipt:
        if not 0 <= fee_bps <= MAX_FEE_BPS:
            raise InvalidInput(f"A fee is 0 to {MAX_FEE_BPS} basis points, not {fee_bps}", code="invalid_fee")
        return self._txm.transact(admin, self.dvp.functions.setFee(fee_bps), label=f"set the DvP fee to {fee_bps} bps")

    def get(self, trade_id: int) -> Trade:
        if not 0 < trade_id <= self.count():
            raise NotFound(f"No trade {trade_id}: `rwakit trade list` shows them", code="trade_not_found")
        return _trade(trade_id, self.dvp.functions.trade(trade_id).call())

    def count(self) -> int:
        return int(self.dvp.functions.tradeCount().call())

    def list(self, status: TradeStatus | None = None) -> builtins.list[Trade]:
        """Every trade (or those of `status`), read in one batch of calls at one block."""
        block = self._chain.w3.eth.block_number
        count = int(read(self._chain.w3, [Call(self.dvp.address, "tradeCount()")], block=block)[0])
        calls = [Call(self.dvp.address, "trade(uint256)", (i,), TRADE_TUPLE) for i in range(1, count + 1)]
        trades = [_trade(i, raw) for i, raw in enumerate(read(self._chain.w3, calls, block=block), start=1)]
        return [t for t in trades if status is None or t.status is status]

    def needed(self, owner: str, asset: str | None) -> int:
        """What `owner`'s live trades (not expired) may still pull from its allowance to the DvP contract:
        shares of `asset`, or the settlement currency (None)."""
        now = int(self._chain.w3.eth.get_block("latest")["timestamp"])
        token = None if asset is None else self._assets.token(asset).address
        total = 0
        for t in self.list():
            if t.expiry <= now:
                continue  # the contract refuses every step but unwind: nothing more is pulled
            shares, cash = t.legs
            if token is None and t.buyer == owner:
                total += cash
            elif token is not None and t.seller == owner and t.asset == token:
                total += shares
        return total

    def allowance(self, owner: str, asset: str | None) -> int:
        """`owner`'s allowance to the DvP contract: shares of `asset`, or the settlement currency (None)."""
        token = self._cash.token if asset is None else self._assets.token(asset)
        return int(token.functions.allowance(owner, self.dvp.address).call())

    def _approve_leg(self, party: Signer, asset: str | None, leg: int) -> None:
        """Set `party`'s allowance (shares of `asset`, or cash: None) to what its live trades need plus `leg`."""
        self._set_allowance(party, asset, self.needed(party.address, asset) + leg)

    def _lower(self, party: Signer, asset: str | None, leg: int) -> None:
        current = self.allowance(party.address, asset)
        target = max(current - leg, self.needed(party.address, asset))
        if target < current:
            self._set_allowance(party, asset, target)

    def _set_allowance(self, party: Signer, asset: str | None, value: int) -> None:
        if asset is None:
            self._cash.approve(party, self.dvp.address, value)
            return
        call = self._assets.token(asset).functions.approve(self.dvp.address, value)
        self._txm.transact(party, call, label=f"approve {value} base units of {asset} for DvP")


def _trade(trade_id: int, raw: Sequence[Any]) -> Trade:
    seller, expiry, fee, status, seller_proposed, buyer, asset, quantity, price = raw
    return Trade(trade_id, to_address(seller), to_address(buyer), to_address(asset), int(quantity), int(price),
                 int(expiry), int(fee), TradeStatus(status), bool(seller_proposed))  # fmt: skip
