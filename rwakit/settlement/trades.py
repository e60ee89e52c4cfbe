"""Delivery-versus-payment trades over the platform's DvP contract (contracts/settlement/).

Each step approves what it locks: the proposer's leg at proposal, the acceptor's at acceptance (shares
to the DvP contract for the seller, the price in the settlement currency for the buyer).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import DecodedRevert, decode_revert, load_artifact
from rwakit.contracts.reverts import revert_error
from rwakit.deployment import Deployment
from rwakit.errors import InvalidInput, NotFound
from rwakit.settlement.cash import CashService, settlement_address
from rwakit.tokenize.service import AssetService

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_FEE_BPS = 10_000


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
        """Approve the proposer's leg to the DvP contract (an allowance: sending it again only sets it again)."""
        self._approve_leg(party, terms.token, terms.as_seller, terms.shares, terms.payment)

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
        """Approve the acceptor's leg to the DvP contract (an allowance: sending it again only sets it again)."""
        self._approve_leg(acceptor, trade.asset, acceptor.address == trade.seller, trade.quantity, trade.price)

    def send_step(self, party: Signer, action: str, trade_id: int) -> TxReceipt:
        """The one transaction of `action` (accept, settle, cancel, unwind) on trade `trade_id`."""
        call = getattr(self.dvp.functions, action)(trade_id)
        return self._txm.transact(party, call, label=f"{action} trade {trade_id}")

    def match(self, desk: Signer, sell_id: int, buy_id: int) -> Trade:
        """The OTC desk matches an open sell proposal with a buy proposal on the same terms."""
        self.get(sell_id), self.get(buy_id)
        label = f"match trades {sell_id} and {buy_id}"
        self._txm.transact(desk, self.dvp.functions.matchTrades(sell_id, buy_id), label=label)
        return self.get(sell_id)

    def settle(self, sender: Signer, trade_id: int) -> Trade:
        """Settle both legs. If the asset refuses the shares leg, the payment has gone back to the buyer
        when this raises the asset's refusal (a ComplianceError with its reason code)."""
        self.get(trade_id)  # an unknown id: NotFound before anything is sent
        self.check_settled(self.send_step(sender, "settle", trade_id), trade_id)
        return self.get(trade_id)

    def check_settled(self, receipt: TxReceipt, trade_id: int) -> None:
        """Raise the asset's refusal if the mined settlement's shares leg failed (the buyer was refunded)."""
        for event in self.dvp.events.TransferFailed().process_receipt(receipt, errors=DISCARD):
            error = revert_error(decode_revert(bytes(event["args"]["reason"])), f"settle trade {trade_id}")
            error.details["trade_status"] = TradeStatus.FAILED.label
            raise error

    def cancel(self, party: Signer, trade_id: int) -> Trade:
        self.get(trade_id)
        self.send_step(party, "cancel", trade_id)
        return self.get(trade_id)

    def unwind(self, sender: Signer, trade_id: int) -> Trade:
        self.get(trade_id)
        self.send_step(sender, "unwind", trade_id)
        return self.get(trade_id)

    def set_fee(self, admin: Signer, fee_bps: int) -> TxReceipt:
        if not 0 <= fee_bps <= MAX_FEE_BPS:
            raise InvalidInput(f"A fee is 0 to {MAX_FEE_BPS} basis points, not {fee_bps}", code="invalid_fee")
        return self._txm.transact(admin, self.dvp.functions.setFee(fee_bps), label=f"set the DvP fee to {fee_bps} bps")

    def get(self, trade_id: int) -> Trade:
        if not 0 < trade_id <= self.count():
            raise NotFound(f"No trade {trade_id}: `rwakit trade list` shows them", code="trade_not_found")
        seller, expiry, fee, status, _, buyer, asset, quantity, price = self.dvp.functions.trade(trade_id).call()
        return Trade(trade_id, seller, buyer, asset, quantity, price, expiry, fee, TradeStatus(status))

    def count(self) -> int:
        return int(self.dvp.functions.tradeCount().call())

    def list(self, status: TradeStatus | None = None) -> builtins.list[Trade]:
        trades = [self.get(i) for i in range(1, self.count() + 1)]
        return [t for t in trades if status is None or t.status is status]

    def _approve_leg(self, party: Signer, token: str, seller: bool, shares: int, payment: int) -> None:
        if seller:
            call = self._assets.token(token).functions.approve(self.dvp.address, shares)
            self._txm.transact(party, call, label=f"approve {shares} base units of {token} for DvP")
        else:
            self._cash.approve(party, self.dvp.address, payment)
