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
from rwakit.funds.vaults import Vaults
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
        vault = self._v.vault(fund)
        value = self._v.cash.units(amount)
        if value == 0 or value >= 2**112:
            raise InvalidInput(f"A subscription is above zero and below 2**112 base units, not {amount}",
                               code="invalid_amount")  # fmt: skip
        c = self._v.cash
        action = f"subscribe {c.display(value)} {c.symbol} to {fund}"
        call = vault.functions.requestDeposit(value, investor.address, investor.address)
        # Everything but the cash is checked first (the coin asks for the allowance before the balance), so a
        # refusal leaves no approval behind.
        self._v.check(investor.address, call, action, allowed="ERC20InsufficientAllowance")
        if (held := c.balance(investor.address)) < value:
            raise InvalidInput(f"{investor.address} holds {c.display(held)} {c.symbol}, less than the "
                               f"{c.display(value)} to subscribe: fund the wallet first",
                               code="insufficient_cash")  # fmt: skip
        c.approve(investor, vault.address, value)
        self._v.send(investor, call, action)
        return self.position(fund, investor.address)

    def redeem(self, investor: Signer, fund: str, shares: str | int) -> Position:
        """Request the redemption of `shares`, burnt now; they deal at the NAV of the request's dealing day
        and the cash is claimed from the fund's cash account once the day is settled."""
        vault = self._v.vault(fund)
        value = self._v.assets.amount(fund, shares)
        if value >= 2**128:
            raise InvalidInput(f"A redemption is below 2**128 base units, not {shares}", code="amount_too_large")
        call = vault.functions.requestRedeem(value, investor.address, investor.address)
        self._v.send(investor, call, f"redeem {shares} {fund}")
        return self.position(fund, investor.address)

    def cancel(self, investor: Signer, fund: str, side: Side) -> Position:
        """Cancel the pending request on `side` before its cut-off (ERC-7887); what it held (cash, or the burnt
        shares) is then taken back with :meth:`claim_cancelled`."""
        vault = self._v.vault(fund)
        f = vault.functions
        call = f.cancelDepositRequest if side is Side.SUBSCRIPTION else f.cancelRedeemRequest
        self._v.send(investor, call(0, investor.address), f"cancel the {side} request in {fund}")
        return self.position(fund, investor.address)

    def claim_cancelled(self, investor: Signer, fund: str, side: Side, receiver: str | None = None) -> Claimed:
        """Take back a cancelled subscription's cash, or have a cancelled redemption's shares re-issued (checked
        by the asset: a refusal leaves them claimable)."""
        vault = self._v.vault(fund)
        to = self._receiver(investor, receiver)
        before = self.position(fund, investor.address)
        f = vault.functions
        if side is Side.SUBSCRIPTION:
            call, shares, cash = f.claimCancelDepositRequest(0, to, investor.address), 0, before.cancelled_subscription
        else:
            call, shares, cash = f.claimCancelRedeemRequest(0, to, investor.address), before.cancelled_redemption, 0
        receipt = self._v.send(investor, call, f"take back the cancelled {side} in {fund}")
        return Claimed(f"cancelled {side}", shares, cash, receipt)

    def claim(self, investor: Signer, fund: str, side: Side, amount: str | int | None = None,
              receiver: str | None = None) -> Claimed:  # fmt: skip
        """Claim a settled request: a subscription's shares (minted to the receiver, checked by the asset) or a
        redemption's cash (paid from the fund's cash account, first claimed first paid). `amount` (shares for
        a subscription, cash for a redemption; default: all that is claimable) claims part of it."""
        vault = self._v.vault(fund)
        to = self._receiver(investor, receiver)
        before = self.position(fund, investor.address)
        f, me = vault.functions, investor.address
        if side is Side.SUBSCRIPTION:
            if amount is None:
                call, shares = f.deposit(before.claimable_subscription, to, me), before.claimable_shares
            else:
                shares = self._v.assets.amount(fund, amount)
                call = f.mint(shares, to, me)
            receipt = self._v.send(investor, call, f"claim the {fund} shares subscribed")
            return Claimed("subscription", shares, 0, receipt)
        if amount is None:
            call, cash = f.redeem(before.claimable_redemption, to, me), before.claimable_cash
        else:
            cash = self._v.cash.units(amount)
            if cash == 0:
                raise InvalidInput("A partial claim is above zero", code="invalid_amount")
            call = f.withdraw(cash, to, me)
        receipt = self._v.send(investor, call, f"claim the {fund} redemption's cash")
        return Claimed("redemption", 0, cash, receipt)

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
            pending_redemption=f.pendingRedeemRequest(0, wallet).call(),
            redemption_day=f.pendingRedeemDay(wallet).call(),
            claimable_redemption=f.claimableRedeemRequest(0, wallet).call(),
            claimable_cash=f.maxWithdraw(wallet).call(),
            claimable_redemption_fees=f.claimableRedeemFees(wallet).call(),
            cancelled_redemption=f.claimableCancelRedeemRequest(0, wallet).call(),
        )

    def _receiver(self, investor: Signer, receiver: str | None) -> str:
        return investor.address if receiver is None else to_address(str(self._v.wallet(receiver)))
