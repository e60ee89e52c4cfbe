"""A Hypothesis state machine on the real Anvil chain: random registrations (several wallets per
investor), issuances, transfers, freezes, forced transfers, recoveries, redemptions, registry changes,
KYC expiry by time and rule changes, on an asset created with investor limits.

A Python model predicts the reason code of every move from the *registry's* current records (not the
token's cached copies), so a stale copy beside a holder's balance shows up as a wrong prediction.
After every step the model must equal the chain (balances, frozen amounts and flags, investor totals,
holder count), the balances must sum to the supply, the holder count must equal the number of
investors holding shares and stay within the maximum, and frozen amounts change only by freezing,
forced transfer, recovery or burn. Every issuance, transfer and forced transfer must have gone to a
wallet the registry verified at that moment; a recovery moves an investor's shares to another of
their own registered wallets (which the model checks), verified or not, as in ERC-3643.

Zero-value moves are left out: the Python services refuse zero amounts, and the contract's handling
of them (no holder is added or removed) has its own tests in tests/contracts/test_compliance_rules.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3.contract import Contract

from rwakit.chain.connection import Chain
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import Settings
from rwakit.contracts.restrictions import Restriction as R
from rwakit.errors import ComplianceError, ContractRevert, InvalidInput
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize import AssetSpec
from tests.conftest import advance_time, now

DAY = 24 * 3600
OFFSET = 6 * 3600  # expiries and lock-ups fall mid-day, far from the whole days time moves by
COUNTRIES = [344, 702, 840, 826]  # HK, SG, US, GB
EXTRA_WALLETS = 5  # beyond the nine funded investor signers
MAX_INVESTORS = 6
SYMBOL = "PROP"
REASON = "court order"
ZERO = "0x" + "00" * 20

Code = R | str  # a Restriction, or the name of the custom error a call reverts with
SHARES = st.one_of(st.just(100), st.integers(1, 100))  # percent of a wallet's balance a move takes
CALLDATA: dict[tuple[Any, ...], str] = {}  # encoded view calls, shared by every example


@dataclass
class Investor:
    investor_id: str
    number: int
    country: int
    klass: int
    expiry: int
    revoked: bool = False
    wallets: list[str] = field(default_factory=list)


@dataclass
class Model:
    """What the chain should hold: the registry's records, the token's ledger and the asset's rules."""

    investors: dict[str, Investor] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # wallet -> investor id (registry)
    balance: dict[str, int] = field(default_factory=dict)
    frozen: dict[str, int] = field(default_factory=dict)
    frozen_flag: dict[str, bool] = field(default_factory=dict)
    holding: dict[str, int] = field(default_factory=dict)  # wallet -> investor number whose shares it holds
    investor_balance: dict[int, int] = field(default_factory=dict)
    holders: int = 0
    paused: bool = False
    allow_list: bool = False
    allowed: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    classes: int = 0
    lockup: int = 0
    minimum_lot: int = 0
    max_holders: int = 0
    max_balance: int = 0

    # -- the registry ---------------------------------------------------------------------------

    def record(self, wallet: str) -> Investor | None:
        investor_id = self.owner.get(wallet)
        return None if investor_id is None else self.investors[investor_id]

    def verified(self, wallet: str, at: int) -> bool:
        record = self.record(wallet)
        return record is not None and not record.revoked and record.expiry > at

    def number(self, wallet: str) -> int:
        record = self.record(wallet)
        return 0 if record is None else record.number

    # -- what AssetToken decides ----------------------------------------------------------------

    def party_code(self, wallet: str, at: int, sending: bool) -> R:
        record = self.record(wallet)
        if record is None:
            return R.SENDER_NOT_REGISTERED if sending else R.RECEIVER_NOT_REGISTERED
        if record.revoked:
            return R.SENDER_REVOKED if sending else R.RECEIVER_REVOKED
        if record.expiry <= at:
            return R.SENDER_KYC_EXPIRED if sending else R.RECEIVER_KYC_EXPIRED
        return R.SUCCESS

    def receiver_rules_code(self, wallet: str) -> R:
        record = self.record(wallet)
        assert record is not None
        if self.allow_list and record.country not in self.allowed:
            return R.COUNTRY_NOT_ALLOWED
        if record.country in self.blocked:
            return R.COUNTRY_BLOCKED
        if self.classes and not self.classes >> record.klass & 1:
            return R.CLASS_NOT_ALLOWED
        return R.SUCCESS

    def limits_code(self, sender: str | None, to: str, value: int) -> R:
        from_investor = 0 if sender is None else self.holding.get(sender, 0)
        to_investor = self.number(to)
        if from_investor == to_investor:
            return R.SUCCESS
        held = self.investor_balance.get(to_investor, 0)
        if self.max_balance and held + value > self.max_balance:
            return R.MAX_BALANCE_EXCEEDED
        whole_investor_leaves = from_investor != 0 and self.investor_balance.get(from_investor, 0) == value
        if held == 0 and self.max_holders and self.holders >= self.max_holders and not whole_investor_leaves:
            return R.MAX_HOLDERS_REACHED
        return R.SUCCESS

    def predict(self, sender: str | None, to: str, value: int, at: int, kind: str) -> Code:
        """The outcome of minting (`sender` None), transferring or force-transferring `value`."""
        if kind != "mint":
            assert sender is not None
            if kind == "transfer" and self.paused:
                return R.PAUSED
            if self.balance.get(sender, 0) < value:
                return "ERC20InsufficientBalance"
            if kind == "transfer":
                code = self.party_code(sender, at, sending=True)
                if code != R.SUCCESS:
                    return code
                if self.balance.get(sender, 0) and self.holding.get(sender, 0) != self.number(sender):
                    return R.SENDER_WALLET_REASSIGNED
                if self.frozen_flag.get(sender, False):
                    return R.SENDER_FROZEN
                if self.frozen.get(sender, 0) > self.balance[sender] - value:
                    return R.INSUFFICIENT_UNFROZEN_BALANCE
                if self.lockup > at:
                    return R.LOCKED_UP
                if value < self.minimum_lot:
                    return R.BELOW_MINIMUM_LOT
        code = self.party_code(to, at, sending=False)
        if code == R.SUCCESS and self.balance.get(to, 0) and self.holding.get(to, 0) != self.number(to):
            code = R.WALLET_REASSIGNED
        if code == R.SUCCESS and kind != "forced":
            code = R.RECEIVER_FROZEN if self.frozen_flag.get(to, False) else self.receiver_rules_code(to)
        if code == R.SUCCESS:
            code = self.limits_code(sender, to, value)
        return code

    # -- how the ledger moves -------------------------------------------------------------------

    def move(self, sender: str | None, to: str | None, value: int) -> None:
        from_investor = 0 if sender is None else self.holding.get(sender, 0)
        to_investor = 0 if to is None else self.number(to)
        if sender is not None:
            self.balance[sender] -= value
        if to is not None:
            self.balance[to] = self.balance.get(to, 0) + value
            self.holding[to] = to_investor
        if from_investor == to_investor:
            return
        left = joined = False
        if from_investor:
            self.investor_balance[from_investor] -= value
            left = self.investor_balance[from_investor] == 0
        if to_investor:
            joined = self.investor_balance.get(to_investor, 0) == 0
            self.investor_balance[to_investor] = self.investor_balance.get(to_investor, 0) + value
        if joined != left:
            self.holders += 1 if joined else -1

    def release_frozen(self, wallet: str, value: int) -> None:
        """A burn or forced transfer takes frozen shares only beyond the free balance."""
        balance, frozen = self.balance.get(wallet, 0), self.frozen.get(wallet, 0)
        free = max(balance - frozen, 0)
        if free < value <= balance:
            self.frozen[wallet] = frozen - (value - free)


class ComplianceMachine(RuleBasedStateMachine):
    """Each example starts from a chain snapshot holding only the deployed platform, the asset and
    funded wallets; no investor is registered yet."""

    def __init__(self, platform: Platform, chain: Chain, token: Contract, wallets: list[Signer]) -> None:
        super().__init__()
        self.platform, self.chain, self.token = platform, chain, token
        self.signers: dict[str, Signer] = {w.address: w for w in wallets}
        self.wallets: list[str] = [w.address for w in wallets]
        self.snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        self.start = now(chain)
        self.model = Model()
        self.ids = iter(f"INV-{n}" for n in range(1000))

    def teardown(self) -> None:
        self.chain.w3.provider.make_request("evm_revert", [self.snapshot])  # type: ignore[arg-type]
        self.platform.txm.reset_nonce()

    # -- helpers --------------------------------------------------------------------------------

    def day(self, k: int) -> int:
        """Mid-day of the k-th day after the example started (k may be negative)."""
        return self.start + k * DAY + OFFSET

    def today(self) -> int:
        return (now(self.chain) - self.start) // DAY

    def expect(self, predicted: Code, action: Callable[[], object]) -> bool:
        """Run `action`; it succeeds exactly when `predicted` is SUCCESS, else fails with that reason."""
        if predicted == R.SUCCESS:
            action()
            return True
        with pytest.raises(ContractRevert) as refused:
            action()
        if isinstance(predicted, str):
            assert refused.value.error == predicted, (refused.value.error, predicted)
        else:
            assert isinstance(refused.value, ComplianceError), refused.value
            assert (refused.value.reason_code, refused.value.reason) == (int(predicted), predicted.reason)
        return False

    def assert_receiver_verified(self, wallet: str) -> None:
        """Every receive goes to a wallet the registry verifies at that moment (model and chain agree)."""
        assert self.model.verified(wallet, now(self.chain))
        assert self.platform.registry.contract.functions.isVerified(wallet).call()

    def addable(self, wallet: str) -> bool:
        """Unregistered. A wallet still holding a removed investor's shares may go to another investor:
        the token then refuses its sends (21) and receipts (20) until recovery or a forced transfer."""
        return wallet not in self.model.owner

    def registered_ids(self) -> list[str]:
        return sorted(self.model.investors)

    def holding_wallets(self) -> list[str]:
        return [w for w in self.wallets if self.model.balance.get(w, 0)]

    def receiver(self, data: st.DataObject) -> str:
        """Mostly a registered wallet, sometimes any wallet (an unregistered or removed one)."""
        registered = sorted(self.model.owner)
        if registered and data.draw(st.integers(0, 4)) != 0:
            return data.draw(st.sampled_from(registered))
        return data.draw(st.sampled_from(self.wallets))

    # -- registry -------------------------------------------------------------------------------

    @initialize(data=st.data(), count=st.integers(2, 4))
    def onboard(self, data: st.DataObject, count: int) -> None:
        """Start each example with a few investors (1-3 wallets each), then issue to some of them."""
        for _ in range(count):
            self.register(
                data, data.draw(st.integers(1, 3)), data.draw(st.sampled_from(COUNTRIES)),
                data.draw(st.integers(0, 2)), data.draw(st.integers(2, 12)),
            )  # fmt: skip
        for _ in range(data.draw(st.integers(1, 3))):
            self.issue(data, data.draw(st.integers(50, 300)))

    @precondition(lambda self: len(self.model.investors) < MAX_INVESTORS)
    @rule(data=st.data(), wallets=st.integers(1, 3), country=st.sampled_from(COUNTRIES),
          klass=st.integers(0, 2), expiry_day=st.integers(1, 12))  # fmt: skip
    def register(self, data: st.DataObject, wallets: int, country: int, klass: int, expiry_day: int) -> None:
        free = [w for w in self.wallets if self.addable(w)]
        if not free:
            return
        chosen = data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=wallets, unique=True))
        investor_id = next(self.ids)
        expiry = self.day(expiry_day)
        self.platform.registry.register(InvestorInput(investor_id, chosen, country, klass, expiry))
        number = self.platform.registry.get(investor_id).number
        self.model.investors[investor_id] = Investor(investor_id, number, country, klass, expiry, wallets=chosen)
        self.model.owner.update(dict.fromkeys(chosen, investor_id))

    @precondition(lambda self: self.model.investors)
    @rule(data=st.data())
    def add_wallet(self, data: st.DataObject) -> None:
        investor = self.model.investors[data.draw(st.sampled_from(self.registered_ids()))]
        free = [w for w in self.wallets if self.addable(w)]
        if not free:
            return
        wallet = data.draw(st.sampled_from(free))
        self.platform.registry.add_wallet(investor.investor_id, wallet)
        investor.wallets.append(wallet)
        self.model.owner[wallet] = investor.investor_id

    @precondition(lambda self: any(len(i.wallets) > 1 for i in self.model.investors.values()))
    @rule(data=st.data())
    def remove_wallet(self, data: st.DataObject) -> None:
        wallet = data.draw(st.sampled_from([w for i in self.model.investors.values() if len(i.wallets) > 1
                                            for w in i.wallets]))  # fmt: skip
        self.platform.registry.remove_wallet(wallet)
        self.model.investors[self.model.owner.pop(wallet)].wallets.remove(wallet)

    @precondition(lambda self: self.model.investors)
    @rule(data=st.data(), revoked=st.booleans())
    def revoke_or_reinstate(self, data: st.DataObject, revoked: bool) -> None:
        investor = self.model.investors[data.draw(st.sampled_from(self.registered_ids()))]
        if revoked:
            self.platform.registry.revoke(investor.investor_id)
        else:
            self.platform.registry.reinstate(investor.investor_id)
        investor.revoked = revoked

    @precondition(lambda self: self.model.investors)
    @rule(data=st.data(), country=st.sampled_from(COUNTRIES), klass=st.integers(0, 2), expiry_day=st.integers(-1, 12))
    def update_investor(self, data: st.DataObject, country: int, klass: int, expiry_day: int) -> None:
        investor = self.model.investors[data.draw(st.sampled_from(self.registered_ids()))]
        expiry = self.day(self.today() + expiry_day)
        self.platform.registry.update(investor.investor_id, country=country, investor_class=klass, kyc_expiry=expiry)
        investor.country, investor.klass, investor.expiry = country, klass, expiry

    @rule(days=st.integers(1, 2))
    def let_time_pass(self, days: int) -> None:
        advance_time(self.chain, days * DAY)

    # -- issuance and moves ---------------------------------------------------------------------

    @precondition(lambda self: self.model.owner)
    @rule(data=st.data(), amount=st.integers(1, 300))
    def issue(self, data: st.DataObject, amount: int) -> None:
        to = self.receiver(data)
        predicted = self.model.predict(None, to, amount, now(self.chain), "mint")
        assert self.token.functions.detectTransferRestriction(ZERO, to, amount).call() == predicted
        if self.expect(predicted, lambda: self.platform.assets.issue(SYMBOL, to, amount)):
            self.assert_receiver_verified(to)
            self.model.move(None, to, amount)

    @precondition(lambda self: self.holding_wallets())
    @rule(data=st.data(), share=SHARES)
    def transfer(self, data: st.DataObject, share: int) -> None:
        sender, to = data.draw(st.sampled_from(self.holding_wallets())), self.receiver(data)
        amount = max(1, self.model.balance.get(sender, 0) * share // 100)
        predicted = self.model.predict(sender, to, amount, now(self.chain), "transfer")
        detected = self.token.functions.detectTransferRestriction(sender, to, amount).call()
        assert detected == (R.INSUFFICIENT_BALANCE if predicted == "ERC20InsufficientBalance" else predicted)
        if self.expect(predicted, lambda: self.platform.assets.transfer(SYMBOL, self.signers[sender], to, amount)):
            self.assert_receiver_verified(to)
            self.model.move(sender, to, amount)
            assert self.token.functions.balanceOf(sender).call() >= self.token.functions.getFrozenTokens(sender).call()

    @precondition(lambda self: self.holding_wallets())
    @rule(data=st.data(), share=SHARES)
    def forced_transfer(self, data: st.DataObject, share: int) -> None:
        sender, to = data.draw(st.sampled_from(self.holding_wallets())), self.receiver(data)
        amount = max(1, self.model.balance.get(sender, 0) * share // 100)
        action: Callable[[], object] = lambda: self.platform.controls.forced_transfer(  # noqa: E731
            SYMBOL, sender, to, amount, reason=REASON
        )
        if sender == to:  # it would lift the wallet's freeze without moving anything
            with pytest.raises(InvalidInput):
                action()
            return
        predicted = self.model.predict(sender, to, amount, now(self.chain), "forced")
        if self.expect(predicted, action):
            self.assert_receiver_verified(to)
            self.model.release_frozen(sender, amount)
            self.model.move(sender, to, amount)

    @rule(data=st.data(), share=st.integers(1, 101))
    def redeem(self, data: st.DataObject, share: int) -> None:
        """Burn part of a holding (a share of 101 % asks for more than the balance)."""
        wallet = data.draw(st.sampled_from(self.holding_wallets() or self.wallets))
        amount = max(1, self.model.balance.get(wallet, 0) * share // 100 + share // 101)
        predicted: Code = R.SUCCESS if amount <= self.model.balance.get(wallet, 0) else "ERC20InsufficientBalance"
        if self.expect(predicted, lambda: self.platform.controls.redeem(SYMBOL, wallet, amount, reason="redemption")):
            self.model.release_frozen(wallet, amount)
            self.model.move(wallet, None, amount)

    @precondition(lambda self: self.holding_wallets())
    @rule(data=st.data())
    def recover(self, data: st.DataObject) -> None:
        """Recover a holding wallet into a wallet of the same investor, or (refused) of another."""
        m = self.model
        lost = data.draw(st.sampled_from(self.holding_wallets()))
        holder = next((i for i in m.investors.values() if i.number == m.holding.get(lost)), None)
        siblings = [w for w in holder.wallets if w != lost] if holder else []
        sibling = bool(siblings) and data.draw(st.integers(0, 3)) != 0
        new = data.draw(st.sampled_from(siblings)) if sibling else self.receiver(data)
        investor_id = m.owner.get(new) or data.draw(st.sampled_from(self.registered_ids()))
        if data.draw(st.integers(0, 4)) == 0:
            investor_id = data.draw(st.sampled_from(self.registered_ids()))
        owner = m.record(lost)
        if owner is not None and owner.number == m.holding.get(lost) and len(owner.wallets) > 1 and data.draw(
            st.integers(0, 3)
        ):  # the registrar takes the lost wallet off its investor first, as a recovery needs
            self.platform.registry.remove_wallet(lost)
            owner.wallets.remove(lost)
            del m.owner[lost]
        number = m.number(new)
        valid = (
            number != 0 and number == m.holding.get(lost, 0) and m.balance.get(lost, 0) > 0 and lost != new
            and m.owner.get(new) == investor_id
        )  # fmt: skip
        predicted: Code = "AssetRecoveryInvalid"
        if valid:
            predicted = "AssetRecoveryWalletRegistered" if m.number(lost) == m.holding[lost] else R.SUCCESS
        action = lambda: self.platform.controls.recover_wallet(SYMBOL, lost, new, investor_id, reason="lost")  # noqa: E731
        if self.expect(predicted, action):
            m.frozen[new] = m.frozen.get(new, 0) + m.frozen.pop(lost, 0)
            if m.frozen_flag.pop(lost, False):
                m.frozen_flag[new] = True
            m.move(lost, new, m.balance[lost])

    # -- freezes --------------------------------------------------------------------------------

    @rule(data=st.data(), op=st.sampled_from(["wallet", "freeze", "unfreeze", "set"]), amount=st.integers(0, 200))
    def freeze(self, data: st.DataObject, op: str, amount: int) -> None:
        """Freeze or unfreeze a whole wallet, or freeze, unfreeze or set (ERC-7943) a frozen amount."""
        holding = self.holding_wallets()
        wallet = data.draw(st.sampled_from(holding if holding and data.draw(st.integers(0, 3)) != 0 else self.wallets))
        controls, frozen = self.platform.controls, self.model.frozen.get(wallet, 0)
        if op == "wallet":
            flag = data.draw(st.booleans())
            controls.freeze_wallet(SYMBOL, wallet, reason="aml", frozen=flag)
            self.model.frozen_flag[wallet] = flag
        elif op == "freeze":  # ERC-3643: at most the unfrozen balance
            unfrozen = max(self.model.balance.get(wallet, 0) - frozen, 0)
            predicted: Code = R.SUCCESS if amount + 1 <= unfrozen else "AssetFreezeExceedsBalance"
            if self.expect(predicted, lambda: controls.freeze_tokens(SYMBOL, wallet, amount + 1, reason="lien")):
                self.model.frozen[wallet] = frozen + amount + 1
        elif op == "unfreeze":
            predicted = R.SUCCESS if amount + 1 <= frozen else "AssetUnfreezeExceedsFrozen"
            if self.expect(predicted, lambda: controls.unfreeze_tokens(SYMBOL, wallet, amount + 1, reason="lifted")):
                self.model.frozen[wallet] = frozen - amount - 1
        else:
            call = self.token.functions.setFrozenTokens(wallet, amount)
            self.platform.txm.transact(self.chain.operator, call, label="setFrozenTokens")
            self.model.frozen[wallet] = amount

    # -- rules ----------------------------------------------------------------------------------

    @rule(data=st.data(), which=st.sampled_from(["max_holders", "max_balance"]))
    def change_limit(self, data: st.DataObject, which: str) -> None:
        """Set or lift (half the time) a limit kept per investor."""
        self.change_rule(data, which)

    @rule(data=st.data(), which=st.sampled_from(["block", "allow", "classes", "lockup", "lot", "pause"]))
    def change_rule(self, data: st.DataObject, which: str) -> None:
        """One rule change by the compliance officer (or a pause by the issuer); half of them lift the rule."""
        compliance, m = self.platform.compliance, self.model
        lift = data.draw(st.booleans())
        if which == "max_holders":
            limit = None if lift else max(1, m.holders + data.draw(st.integers(-1, 2)))
            predicted: Code = R.SUCCESS if limit is None or limit >= m.holders else "AssetLimitBelowCurrent"
            if self.expect(predicted, lambda: compliance.set_max_holders(SYMBOL, limit)):
                m.max_holders = limit or 0
        elif which == "max_balance":
            amount = None if lift else data.draw(st.sampled_from([100, 250, 500]))
            compliance.set_max_balance(SYMBOL, amount)
            m.max_balance = amount or 0
        elif which == "block":
            country = data.draw(st.sampled_from(COUNTRIES))
            compliance.block_countries(SYMBOL, [country], blocked=not lift)
            (m.blocked.discard if lift else m.blocked.add)(country)
        elif which == "allow":
            countries = data.draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True))
            compliance.allow_countries(SYMBOL, countries, allowed=True)
            compliance.allow_countries(SYMBOL, [c for c in COUNTRIES if c not in countries], allowed=False)
            compliance.enable_allow_list(SYMBOL, not lift)
            m.allowed, m.allow_list = set(countries), not lift
        elif which == "classes":
            classes = set() if lift else data.draw(st.sets(st.integers(0, 2), min_size=1))
            compliance.allow_classes(SYMBOL, sorted(classes))
            m.classes = sum(1 << c for c in classes)
        elif which == "lockup":
            until = None if lift else self.day(self.today() + data.draw(st.integers(0, 2)))
            compliance.set_lockup(SYMBOL, until)
            m.lockup = until or 0
        elif which == "lot":
            lot = 0 if lift else data.draw(st.integers(1, 20))
            compliance.set_minimum_lot(SYMBOL, lot)
            m.minimum_lot = lot
        elif lift == m.paused:  # pause when asked to keep the rule, unpause when asked to lift it
            (self.platform.controls.unpause if m.paused else self.platform.controls.pause)(SYMBOL, reason="ops")
            m.paused = not m.paused

    # -- after every step -----------------------------------------------------------------------

    def read(self, calls: list[str]) -> list[list[int]]:
        """Many eth_calls in one JSON-RPC batch, each result as its 32-byte words (web3's per-call
        formatting would make this check the slowest part of a step)."""
        requests = [("eth_call", [{"to": self.token.address, "data": data}, "latest"]) for data in calls]
        responses = self.chain.w3.provider.make_batch_request(requests)  # type: ignore[attr-defined]
        assert isinstance(responses, list), responses
        words = [bytes.fromhex(r["result"][2:]) for r in responses]
        return [[int.from_bytes(w[i : i + 32], "big") for i in range(0, len(w), 32)] for w in words]

    def calldata(self, function: str, *args: Any) -> str:
        key = (function, *args)
        if key not in CALLDATA:
            CALLDATA[key] = str(self.token.encode_abi(function, args=list(args)))
        return CALLDATA[key]

    @invariant()
    def chain_matches_the_model(self) -> None:
        m = self.model
        # The token answers an investor's total through a wallet: one still holding their shares (it may
        # have left the registry), else a registered one not holding another investor's shares (such a
        # wallet answers for the investor whose shares it holds). An investor whose every wallet holds
        # someone else's shares holds nothing themselves (those wallets cannot receive): nothing to ask.
        representative = {
            i.number: own[0]
            for i in m.investors.values()
            if (own := [w for w in i.wallets if not m.balance.get(w, 0) or m.holding.get(w) == i.number])
        }
        representative |= {n: w for w, n in m.holding.items() if n and m.balance.get(w, 0)}
        numbers = sorted(representative)
        calls = [self.calldata(f, w) for w in self.wallets for f in ("balanceOf", "getFrozenTokens", "isFrozen")]
        calls += [self.calldata("investorBalanceOf", representative[n]) for n in numbers]
        results = self.read([*calls, self.calldata("totalSupply"), self.calldata("counts")])
        per_wallet = len(self.wallets) * 3
        balances = [r[0] for r in results[0:per_wallet:3]]
        frozen = [r[0] for r in results[1:per_wallet:3]]
        flags = [bool(r[0]) for r in results[2:per_wallet:3]]
        totals = {n: r[0] for n, r in zip(numbers, results[per_wallet:-2], strict=True)}
        (supply,), (holders, max_holders, _) = results[-2], results[-1]
        assert sum(balances) == supply
        assert balances == [m.balance.get(w, 0) for w in self.wallets]
        assert frozen == [m.frozen.get(w, 0) for w in self.wallets]
        assert flags == [m.frozen_flag.get(w, False) for w in self.wallets]
        assert totals == {n: m.investor_balance.get(n, 0) for n in numbers}
        assert holders == m.holders == sum(1 for total in totals.values() if total > 0)
        assert max_holders == m.max_holders
        assert max_holders == 0 or holders <= max_holders


@pytest.fixture
def funded_wallets(chain: Chain) -> list[Signer]:
    """The nine investor signers and a few more from the same mnemonic, funded for gas."""
    mnemonic = Settings(_env_file=None).mnemonic
    extra = [DevKeySigner.from_mnemonic(mnemonic, i) for i in range(10, 10 + EXTRA_WALLETS)]
    for signer in extra:
        chain.w3.provider.make_request("anvil_setBalance", [signer.address, hex(10**21)])  # type: ignore[arg-type]
    return [*chain.signers[1:10], *extra]


@pytest.fixture
def limited_asset(platform: Platform) -> Iterator[Contract]:
    spec = AssetSpec("Property Fund", SYMBOL, 0, "fund", "1000000000", investor_limits=True)
    yield platform.assets.token(platform.assets.create(spec).address)


def test_compliance_holds_under_random_operations(
    platform: Platform, chain: Chain, limited_asset: Contract, funded_wallets: list[Signer]
) -> None:
    def machine() -> ComplianceMachine:
        return ComplianceMachine(platform, chain, limited_asset, funded_wallets)

    # Hypothesis documents "a class or a function" returning a machine, but annotates the class only
    run_state_machine_as_test(
        cast("type[RuleBasedStateMachine]", machine),
        settings=settings(
            max_examples=30, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
