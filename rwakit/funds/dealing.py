"""An investor's dealing in a fund: subscription and redemption requests, cancellations before the cut-off,
claims once the dealing day is settled, and the investor's position. The investor signs (controller, owner
and receiver are the investor's wallet)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from web3.types import TxReceipt

from rwakit.chain.signer import Signer
from rwakit.errors import InvalidInput
from rwakit.funds.models import Position
from rwakit.funds.vaults import Order, Vaults
from rwakit.units import to_address


class Side(StrEnum):
    SUBSCRIPTION = "subscription"
    REDEMPTION = "redemption"


@dataclass(frozen=True)
class Claimed:
    """What one claim delivered: shares minted, cash paid (net of fees), or a cancellation taken back."""

    what: str  # subscription, redemption, cancelled subscription, cancelled redemption
    shares: int
    cash: int
    receipt: TxReceipt


class DealingService:
    def __init__(self, vaults: Vaults) -> None:
        self._v = vaults

    def subscribe(self, investor: Signer, fund: str, amount: str | int) -> Position:
        """Request shares for `amount` of the settlement currency (fee included), taken now; they deal at the
        NAV of the request's dealing day. Refused before anything is sent (so no approval is left behind)
        when the investor is ineligible, below the minimum, has a request pending on an earlier day, or
        holds less cash."""
        order = self.subscription(investor.address, fund, amount)
        self.approve(investor, order)
        self.send(investor, order)
        return self.position(fund, investor.address)

    def redeem(self, investor: Signer, fund: str, shares: str | int) -> Position:
        """Request the redemption of `shares`, burnt now; they deal at the NAV of the request's dealing day
        and the cash is claimed from the fund's cash account once the day is settled."""
        self.send(investor, self.redemption(investor.address, fund, shares))
        return self.position(fund, investor.address)

    def cancel(self, investor: Signer, fund: str, side: Side) -> Position:
        """Cancel the pending request on `side` before its cut-off (ERC-7887); what it held (cash, or the burnt
        shares) is then taken back with :meth:`claim_cancelled`."""
        self.send(investor, self.cancellation(investor.address, fund, side))
        return self.position(fund, investor.address)

    def claim_cancelled(self, investor: Signer, fund: str, side: Side, receiver: str | None = None) -> Claimed:
        """Take back a cancelled subscription's cash (with that of settled subscriptions that bought no share,
        from the fund's cash account), or have a cancelled redemption's shares re-issued (checked by the asset:
        a refusal leaves them claimable)."""
        order = self.cancelled_claim(investor.address, fund, side, receiver)
        return Claimed(order.what, order.shares, order.cash, self.send(investor, order))

    def claim(self, investor: Signer, fund: str, side: Side, amount: str | int | None = None,
              receiver: str | None = None) -> Claimed:  # fmt: skip
        """Claim a settled request: a subscription's shares (minted to the receiver, checked by the asset) or a
        redemption's cash (paid from the fund's cash account, first claimed first paid). `amount` (shares for
        a subscription, cash for a redemption; default: all that is claimable) claims part of it."""
        order = self.settled_claim(investor.address, fund, side, amount, receiver)
        return Claimed(order.what, order.shares, order.cash, self.send(investor, order))

    def claim_all(self, investor: Signer, fund: str) -> list[Claimed]:
        """Every claim the investor has in `fund`: settled subscriptions and redemptions, and cancellations.
        Stops at the first refusal (what was claimed before it stays claimed)."""
        p = self.position(fund, investor.address)
        claims = []
        if p.claimable_subscription:
            claims.append(self.claim(investor, fund, Side.SUBSCRIPTION))
        if p.claimable_redemption:
            claims.append(self.claim(investor, fund, Side.REDEMPTION))
        if p.cancelled_subscription:
            claims.append(self.claim_cancelled(investor, fund, Side.SUBSCRIPTION))
        if p.cancelled_redemption:
            claims.append(self.claim_cancelled(investor, fund, Side.REDEMPTION))
        return claims

    # -- one transaction at a time: built and checked (nothing sent), approved, sent -----------------
    # (the HTTP API journals the approval and the transaction apart, rwakit.api.services.fund_dealing)

    def subscription(self, investor: str, fund: str, amount: str | int) -> Order:
        """The subscription :meth:`subscribe` sends, checked against the vault now (all but the allowance
        :meth:`approve` gives): nothing is sent."""
        vault = self._v.vault(fund)
        value = self._v.cash.units(amount)
        if value == 0 or value >= 2**112:
            raise InvalidInput(f"A subscription is above zero and below 2**112 base units, not {amount}",
                               code="invalid_amount")  # fmt: skip
        c = self._v.cash
        action = f"subscribe {c.display(value)} {c.symbol} to {fund}"
        call = vault.functions.requestDeposit(value, investor, investor)
        # Everything but the cash is checked first (the coin asks for the allowance before the balance), so a
        # refusal leaves no approval behind.
        self._v.check(investor, call, action, allowed="ERC20InsufficientAllowance")
        if (held := c.balance(investor)) < value:
            raise InvalidInput(f"{investor} holds {c.display(held)} {c.symbol}, less than the "
                               f"{c.display(value)} to subscribe: fund the wallet first",
                               code="insufficient_cash")  # fmt: skip
        return Order("subscription request", call, action, cash=value, allowance=value)

    def redemption(self, investor: str, fund: str, shares: str | int) -> Order:
        vault = self._v.vault(fund)
        value = self._v.assets.amount(fund, shares)
        if value >= 2**128:
            raise InvalidInput(f"A redemption is below 2**128 base units, not {shares}", code="amount_too_large")
        call = vault.functions.requestRedeem(value, investor, investor)
        return Order("redemption request", call, f"redeem {shares} {fund}", shares=value)

    def cancellation(self, investor: str, fund: str, side: Side) -> Order:
        f = self._v.vault(fund).functions
        call = f.cancelDepositRequest if side is Side.SUBSCRIPTION else f.cancelRedeemRequest
        return Order(f"{side} cancellation", call(0, investor), f"cancel the {side} request in {fund}")

    def cancelled_claim(self, investor: str, fund: str, side: Side, receiver: str | None = None) -> Order:
        """The claim :meth:`claim_cancelled` sends, with what it takes back (read now)."""
        f = self._v.vault(fund).functions
        to = self._receiver(investor, receiver)
        before = self.position(fund, investor)
        action = f"take back the cancelled {side} in {fund}"
        if side is Side.SUBSCRIPTION:
            call = f.claimCancelDepositRequest(0, to, investor)
            return Order(f"cancelled {side}", call, action, cash=before.cancelled_subscription)
        call = f.claimCancelRedeemRequest(0, to, investor)
        return Order(f"cancelled {side}", call, action, shares=before.cancelled_redemption)

    def settled_claim(self, investor: str, fund: str, side: Side, amount: str | int | None = None,
                      receiver: str | None = None) -> Order:  # fmt: skip
        """The claim :meth:`claim` sends, with what it delivers (read now)."""
        f = self._v.vault(fund).functions
        to = self._receiver(investor, receiver)
        before = self.position(fund, investor)
        if side is Side.SUBSCRIPTION:
            action = f"claim the {fund} shares subscribed"
            if amount is None:
                call, shares = f.deposit(before.claimable_subscription, to, investor), before.claimable_shares
            else:
                shares = self._v.assets.amount(fund, amount)
                call = f.mint(shares, to, investor)
            return Order("subscription", call, action, shares=shares)
        if amount is None:
            call, cash = f.redeem(before.claimable_redemption, to, investor), before.claimable_cash
        else:
            cash = self._v.cash.units(amount)
            if cash == 0:
                raise InvalidInput("A partial claim is above zero", code="invalid_amount")
            call = f.withdraw(cash, to, investor)
        return Order("redemption", call, f"claim the {fund} redemption's cash", cash=cash)

    def approve(self, investor: Signer, order: Order) -> None:
        """The allowance `order` needs (a subscription's cash) to the vault: sending it again only sets it again."""
        if order.allowance:
            self._v.cash.approve(investor, order.call.address, order.allowance)

    def send(self, investor: Signer, order: Order) -> TxReceipt:
        """`order`'s one transaction; a revert becomes the funds' error for it."""
        return self._v.send(investor, order.call, order.action)

    def position(self, fund: str, investor: str) -> Position:
        """`investor`'s (an investor id's first wallet, or a wallet) requests and claims in `fund`."""
        vault = self._v.vault(fund)
        wallet = self._v.wallet(investor)
        f = vault.functions
        share = self._v.assets.token(f.share().call())
        return Position(
            fund=share.address,
            wallet=wallet,
            shares=share.functions.balanceOf(wallet).call(),
            pending_subscription=f.pendingDepositRequest(0, wallet).call(),
            subscription_day=f.pendingDepositDay(wallet).call(),
            claimable_subscription=f.claimableDepositRequest(0, wallet).call(),
            claimable_shares=f.maxMint(wallet).call(),
            cancelled_subscription=f.claimableCancelDepositRequest(0, wallet).call(),
            refunded_subscription=f.refundedDepositAssets(wallet).call(),
            pending_redemption=f.pendingRedeemRequest(0, wallet).call(),
            redemption_day=f.pendingRedeemDay(wallet).call(),
            claimable_redemption=f.claimableRedeemRequest(0, wallet).call(),
            claimable_cash=f.maxWithdraw(wallet).call(),
            claimable_redemption_fees=f.claimableRedeemFees(wallet).call(),
            cancelled_redemption=f.claimableCancelRedeemRequest(0, wallet).call(),
        )

    def _receiver(self, investor: str, receiver: str | None) -> str:
        return investor if receiver is None else to_address(str(self._v.wallet(receiver)))
