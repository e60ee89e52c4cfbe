"""Properties of a fund's dealing (Hypothesis, on Anvil): random sequences of subscriptions (some paid by
another investor), redemptions, cancellations and their claims, NAVs (some held and confirmed), fee
changes, settlements and partial claims across dealing days, with time moving on.

A Python model predicts every refusal and amount in exact integers. After every step the chain must
equal the model: each controller's ERC-7540 / ERC-7887 views, the day totals, every balance of the
settlement coin and of shares; the vault holds exactly the pending subscriptions and the cancelled cash
not yet claimed back; the share supply is the launch issue plus shares minted by claims and re-issued by
cancellations, less shares burnt by redemption requests (no share exists without payment). Each
settled subscription is priced exactly: (assets - fee) x 10^shareDecimals x 10^18 = shares x NAV x
10^coinDecimals + r with 0 <= r < NAV x 10^coinDecimals. At the end every day is settled and every
request claimed: nothing is left pending, claimable or cancelled, the vault holds nothing, and the
coin is all with the investors, the cash account and the fee account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rwakit.chain.reads import Call, read
from rwakit.chain.signer import Signer
from rwakit.errors import ContractRevert
from tests.conftest import advance_time, now
from tests.contracts.fund import CASH, DAY, HKD, NAV_ONE, SHARE, Fund, fund, terms

__all__ = ["fund"]

BPS = 10_000
TO_SHARES = SHARE * 10**18  # 10^shareDecimals x 10^NAV_DECIMALS
LAUNCH_SHARES = 2_000 * SHARE  # issued to each investor before the first step
MIN_SUBSCRIPTION, MIN_REDEMPTION = 1_000 * HKD, 10 * SHARE
DEVIATION_BPS = 500
MARGIN = 60  # seconds kept between "now" and any cut-off, so a block's own time never crosses one

# weighted: requests and claims are the bulk of a fund's dealing
KINDS = [*["subscribe"] * 3, *["redeem"] * 2, *["claim"] * 3, *["settle", "time"] * 2, "cancel", "claim cancel", "fees"]
STEP = st.tuples(st.sampled_from(KINDS), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2**32))
DEALING_RUNS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@dataclass
class Deposit:
    day: int = 0
    pending: int = 0
    fees: int = 0
    assets: int = 0  # claimable cash (gross)
    shares: int = 0  # claimable shares
    cancelled: int = 0


@dataclass
class Redeem:
    day: int = 0
    weight: int = 0  # each pending request's shares times its fee rate, summed
    pending: int = 0
    shares: int = 0  # claimable shares
    assets: int = 0  # claimable cash, net
    fees: int = 0
    cancelled: int = 0


@dataclass
class Model:
    investors: list[str]
    cash: dict[str, int]
    shares: dict[str, int]
    supply: int
    baseline: int = 10 * NAV_ONE
    subscription_bps: int = 50
    redemption_bps: int = 25
    navs: dict[int, int] = field(default_factory=dict)  # settled days
    totals: dict[int, list[int]] = field(default_factory=dict)  # day: [assets, fees, shares]
    deposits: dict[str, Deposit] = field(default_factory=dict)
    redeems: dict[str, Redeem] = field(default_factory=dict)
    minted: int = 0  # by claims and re-issues
    burnt: int = 0  # by redemption requests

    def day(self, d: int) -> list[int]:
        return self.totals.setdefault(d, [0, 0, 0])

    def blocked(self, day: int, today: int) -> bool:
        """A pending request on an earlier day not yet settled blocks a new one."""
        return day != today and day not in self.navs

    def settle(self, d: int, nav: int, cash_account: str, fee_account: str) -> None:
        self.navs[d] = nav
        assets, fees, _ = self.day(d)
        self.cash[cash_account] += assets - fees
        self.cash[fee_account] += fees
        self.cash["vault"] -= assets
        for dep in self.deposits.values():
            if dep.pending and dep.day == d:
                net = dep.pending - dep.fees
                shares = net * TO_SHARES // (nav * HKD)
                r = net * TO_SHARES - shares * nav * HKD
                assert 0 <= r < nav * HKD  # the price is exact to the share's last unit, in the fund's favour
                dep.assets, dep.shares = dep.assets + dep.pending, dep.shares + shares
                dep.pending = dep.fees = 0
        for red in self.redeems.values():
            if red.pending and red.day == d:
                gross = red.pending * nav * HKD // TO_SHARES
                fee = -(-gross * red.weight // (red.pending * BPS))
                red.shares, red.assets, red.fees = red.shares + red.pending, red.assets + gross - fee, red.fees + fee
                red.pending = red.weight = 0


def snapshot(f: Fund) -> str:
    return str(f.chain.w3.provider.make_request("evm_snapshot", [])["result"])  # type: ignore[arg-type]


def revert(f: Fund, snap: str) -> None:
    f.chain.w3.provider.make_request("evm_revert", [snap])  # type: ignore[arg-type]
    f.platform.txm.reset_nonce()


def clear_of_cutoffs(f: Fund) -> None:
    """Move on, if needed, so that now is at least MARGIN from the nearest cut-off."""
    t = now(f.chain)
    closes = f.vault.functions.cutoffTime(f.vault.functions.dealingDay(t).call()).call()
    previous = closes - DAY
    if closes - t < MARGIN:
        advance_time(f.chain, closes - t + MARGIN)
    elif t - previous < MARGIN:
        advance_time(f.chain, previous + MARGIN - t)


def expect(error: str | None, action: object) -> bool:
    """Run `action`; it must revert with `error`, or succeed if `error` is None. True if it ran."""
    assert callable(action)
    event(error or "done")
    if error is None:
        action()
        return True
    try:
        action()
    except ContractRevert as refused:
        assert refused.error == error, refused
        return False
    raise AssertionError(f"expected {error}")


class Dealing:
    def __init__(self, f: Fund) -> None:
        self.f = f
        self.v = f.vault.functions
        self.people: list[Signer] = [f.alice, f.bob, f.carol]
        self.cash_account, self.fee_account = f.cash_account.address, f.fee_account.address
        addresses = [str(p.address) for p in self.people]
        f.platform.assets.issue_batch(f.token.address, [(a, LAUNCH_SHARES) for a in addresses])
        for p in self.people:
            f.send(p, f.coin.functions.approve(f.vault.address, 2**256 - 1))
            for other in self.people:  # a request paid by another needs the controller's consent
                if other is not p:
                    f.send(p, self.v.setOperator(other.address, True))
        cash = {a: CASH for a in addresses} | {"vault": 0}
        cash |= {self.cash_account: f.cash(self.cash_account), self.fee_account: f.cash(self.fee_account)}
        supply = int(f.token.functions.totalSupply().call())
        self.m = Model(addresses, cash, {a: LAUNCH_SHARES for a in addresses}, supply)
        self.m.deposits = {a: Deposit() for a in addresses}
        self.m.redeems = {a: Redeem() for a in addresses}
        self.nav_count = 1
        self.first_day = int(self.v.firstDealingDay().call())
        self.coin_total = sum(cash.values())  # the coin only moves between these accounts

    def today(self) -> int:
        return int(self.v.dealingDay(now(self.f.chain)).call())

    def before_cutoff(self, day: int) -> bool:
        return now(self.f.chain) < int(self.v.cutoffTime(day).call())

    # -- steps ----------------------------------------------------------------------------------

    def subscribe(self, who: Signer, payer: Signer, x: int) -> None:
        m, today = self.m, self.today()
        assets = MIN_SUBSCRIPTION + x % (50_000 * HKD)
        dep = m.deposits[who.address]
        error = "FundRequestPending" if dep.pending and m.blocked(dep.day, today) else None
        call = self.v.requestDeposit(assets, who.address, payer.address)
        if expect(error, lambda: self.f.send(payer, call)):
            fee = -(-assets * m.subscription_bps // BPS)
            dep.day, dep.pending, dep.fees = today, dep.pending + assets, dep.fees + fee
            m.day(today)[0] += assets
            m.day(today)[1] += fee
            m.cash[payer.address] -= assets
            m.cash["vault"] += assets

    def redeem(self, who: Signer, x: int) -> None:
        m, today = self.m, self.today()
        held = m.shares[who.address]
        if held < MIN_REDEMPTION:
            return
        shares = MIN_REDEMPTION + x % (held - MIN_REDEMPTION + 1)
        red = m.redeems[who.address]
        error = "FundRequestPending" if red.pending and m.blocked(red.day, today) else None
        if expect(error, lambda: self.f.redeem_request(who, shares)):
            red.day, red.pending, red.weight = today, red.pending + shares, red.weight + shares * m.redemption_bps
            m.day(today)[2] += shares
            m.shares[who.address] -= shares
            m.supply -= shares
            m.burnt += shares

    def cancel(self, who: Signer, side: int) -> None:
        m, a = self.m, who.address
        request = m.deposits[a] if side else m.redeems[a]
        error = None
        if not request.pending or request.day in m.navs:
            error = "FundNothingPending"
        elif not self.before_cutoff(request.day):
            error = "FundCutoffPassed"
        call = self.v.cancelDepositRequest(0, a) if side else self.v.cancelRedeemRequest(0, a)
        if expect(error, lambda: self.f.send(who, call)):
            totals = m.day(request.day)
            if isinstance(request, Deposit):
                totals[0] -= request.pending
                totals[1] -= request.fees
                request.cancelled += request.pending
                request.pending = request.fees = 0
            else:
                totals[2] -= request.pending
                request.cancelled += request.pending
                request.pending = request.weight = 0

    def claim_cancel(self, who: Signer, side: int) -> None:
        m, a = self.m, who.address
        if side:
            dep = m.deposits[a]
            call = self.v.claimCancelDepositRequest(0, a, a)
            if expect(None if dep.cancelled else "FundNothingToClaim", lambda: self.f.send(who, call)):
                m.cash[a] += dep.cancelled
                m.cash["vault"] -= dep.cancelled
                dep.cancelled = 0
        else:
            red = m.redeems[a]
            call = self.v.claimCancelRedeemRequest(0, a, a)
            if expect(None if red.cancelled else "FundNothingToClaim", lambda: self.f.send(who, call)):
                m.shares[a] += red.cancelled
                m.supply += red.cancelled
                m.minted += red.cancelled
                red.cancelled = 0

    def claim(self, who: Signer, how: int, x: int) -> None:
        """A deposit, mint, redeem or withdraw claim of a random part (often all) of what is claimable."""
        m, a, v = self.m, who.address, self.v
        dep, red = m.deposits[a], m.redeems[a]
        whole = x % 3 == 0
        if how in (0, 1):  # deposit side: by cash (0) or by shares (1)
            mine = dep.assets if how == 0 else dep.shares
            amount = mine if whole else x % (mine + 1)
            if how == 0:
                shares = dep.shares if amount == dep.assets else dep.shares * amount // dep.assets
                assets = amount
            else:
                assets = dep.assets if amount == dep.shares else -(-dep.assets * amount // dep.shares)
                shares = amount
            call = v.deposit(amount, a, a) if how == 0 else v.mint(amount, a, a)
            error = None if dep.assets or dep.shares else "FundNothingToClaim"
            if expect(error, lambda: self.f.send(who, call)):
                dep.assets, dep.shares = dep.assets - assets, dep.shares - shares
                m.shares[a] += shares
                m.supply += shares
                m.minted += shares
            return
        by_shares = how == 2 or x % 2 == 0
        mine = red.shares if by_shares else red.assets
        amount = mine if whole else x % (mine + 1)
        if by_shares:
            everything = amount == red.shares
            shares = amount
            assets = red.assets if everything else red.assets * amount // red.shares
            fee = red.fees if everything else red.fees * amount // red.shares
        else:
            everything = amount == red.assets
            assets = amount
            shares = red.shares if everything else -(-red.shares * amount // red.assets)
            fee = red.fees if everything else red.fees * amount // red.assets
        call = v.redeem(amount, a, a) if by_shares else v.withdraw(amount, a, a)
        error = None if red.shares or red.assets else "FundNothingToClaim"
        if expect(error, lambda: self.f.send(who, call)):
            red.shares, red.assets, red.fees = red.shares - shares, red.assets - assets, red.fees - fee
            m.cash[a] += assets
            m.cash[self.fee_account] += fee
            m.cash[self.cash_account] -= assets + fee

    def publish(self, day: int, x: int) -> None:
        """A NAV valued now: usually within the deviation of the baseline; else held, then confirmed."""
        m, f = self.m, self.f
        jump = x % 5 == 0
        spread = 3 * DEVIATION_BPS if jump else DEVIATION_BPS
        nav = m.baseline * (BPS - spread + x % (2 * spread + 1)) // BPS
        gap = abs(nav - m.baseline)
        held = gap * BPS > m.baseline * DEVIATION_BPS
        receipt = f.publish(nav)
        self.nav_count += 1
        assert f.events(f.vault, "NavPublished", receipt)[0]["held"] == held
        if held:
            expect("FundNavUnconfirmed", lambda: f.send(f.manager, self.v.settleDealingDay(day)))
            f.send(f.admin, self.v.confirmNav(self.nav_count))
        m.baseline = nav

    def settle(self, x: int) -> None:
        """Settle the earliest day with requests whose cut-off passed (moving time on if none has)."""
        m = self.m
        waiting = sorted(d for d, t in m.totals.items() if d not in m.navs and any(t))
        day = waiting[0] if waiting else self.today() - 1
        if day < self.first_day:  # before the vault opened: never its dealing day
            expect("FundInvalidDay", lambda: self.f.send(self.f.manager, self.v.settleDealingDay(day)))
            return
        if day in m.navs:
            expect("FundDaySettled", lambda: self.f.send(self.f.manager, self.v.settleDealingDay(day)))
            return
        if self.before_cutoff(day):
            expect("FundDayOpen", lambda: self.f.send(self.f.manager, self.v.settleDealingDay(day)))
            self.f.past_cutoff(day)
            clear_of_cutoffs(self.f)
        self.publish(day, x)
        self.f.send(self.f.manager, self.v.settleDealingDay(day))
        m.settle(day, m.baseline, self.cash_account, self.fee_account)

    def fees(self, x: int) -> None:
        self.m.subscription_bps, self.m.redemption_bps = x % 1_001, (x >> 10) % 1_001
        changed = terms(self.cash_account, self.fee_account, subscriptionFeeBps=self.m.subscription_bps,
                        redemptionFeeBps=self.m.redemption_bps)  # fmt: skip
        self.f.send(self.f.admin, self.v.setTerms(changed))

    def step(self, kind: str, i: int, j: int, x: int) -> None:
        who = self.people[i]
        if kind == "subscribe":
            self.subscribe(who, self.people[j] if x % 4 == 0 else who, x)
        elif kind == "redeem":
            self.redeem(who, x)
        elif kind == "cancel":
            self.cancel(who, j % 2)
        elif kind == "claim cancel":
            self.claim_cancel(who, j % 2)
        elif kind == "claim":
            self.claim(who, x % 4, x >> 2)
        elif kind == "settle":
            self.settle(x)
        elif kind == "time":
            advance_time(self.f.chain, [600, 4 * 3600, 13 * 3600, DAY + 7_200][x % 4])
        else:
            self.fees(x)
        clear_of_cutoffs(self.f)

    # -- checks ---------------------------------------------------------------------------------

    def check(self) -> None:
        m, f = self.m, self.f
        vault, token, coin = f.vault.address, f.token.address, f.coin.address
        holders = [vault if k == "vault" else k for k in m.cash]
        calls = [Call(token, "totalSupply()"), *(Call(coin, "balanceOf(address)", (a,)) for a in holders)]
        per = [
            "pendingDepositRequest(uint256,address)", "claimableDepositRequest(uint256,address)",
            "claimableCancelDepositRequest(uint256,address)", "pendingRedeemRequest(uint256,address)",
            "claimableRedeemRequest(uint256,address)", "claimableCancelRedeemRequest(uint256,address)",
        ]  # fmt: skip
        for a in m.investors:
            calls += [Call(vault, s, (0, a)) for s in per]
            calls += [Call(vault, f"{s}(address)", (a,)) for s in ("maxMint", "maxWithdraw", "claimableRedeemFees")]
            calls.append(Call(token, "balanceOf(address)", (a,)))
        days = sorted(m.totals)
        calls += [Call(vault, "dealingDayTotals(uint256)", (d,), "(uint128,uint128,uint128,uint128)") for d in days]
        got = read(f.chain.w3, calls)
        want: list[object] = [m.supply, *m.cash.values()]
        for a in m.investors:
            dep, red = m.deposits[a], m.redeems[a]
            want += [dep.pending, dep.assets, dep.cancelled, red.pending, red.shares, red.cancelled]
            want += [dep.shares, red.assets, red.fees, m.shares[a]]
        want += [(*m.totals[d], m.navs.get(d, 0)) for d in days]
        assert got == want
        # the vault holds the pending subscriptions and the cancelled cash not claimed back
        pending = sum(t[0] for d, t in m.totals.items() if d not in m.navs)
        assert m.cash["vault"] == pending + sum(d.cancelled for d in m.deposits.values())
        # no share without payment: the launch issue, plus claims and re-issues, less redemption requests
        assert m.supply == 3 * LAUNCH_SHARES + m.minted - m.burnt == sum(m.shares.values())

    def finish(self) -> None:
        """Settle every day with requests, claim everything: nothing is left anywhere."""
        m = self.m
        while any(d not in m.navs and any(t) for d, t in m.totals.items()):
            self.settle(7)
            self.check()
        for who in self.people:
            a = who.address
            self.claim(who, 0, 0)
            if m.deposits[a].cancelled:
                self.claim_cancel(who, 1)
            if m.redeems[a].cancelled:
                self.claim_cancel(who, 0)
            if m.redeems[a].shares or m.redeems[a].assets:
                self.claim(who, 2, 0)
        self.check()
        for investor in m.investors:
            dep, red = m.deposits[investor], m.redeems[investor]
            assert dep == Deposit(day=dep.day) and red == Redeem(day=red.day)
        assert m.cash["vault"] == 0 and sum(m.cash.values()) == self.coin_total


@DEALING_RUNS
@given(steps=st.lists(STEP, min_size=8, max_size=30))
def test_dealing_keeps_cash_and_shares_exact(fund: Fund, steps: list[tuple[str, int, int, int]]) -> None:
    snap = snapshot(fund)
    try:
        clear_of_cutoffs(fund)
        dealing = Dealing(fund)
        dealing.check()
        for step in steps:
            dealing.step(*step)
            dealing.check()
        dealing.finish()
    finally:
        revert(fund, snap)
