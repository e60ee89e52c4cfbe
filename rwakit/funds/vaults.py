"""A fund's dealing vault (contracts/funds/): opening it, its NAV, its terms, settling its dealing days and
reading it. The investors' side is rwakit.funds.dealing."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from functools import cached_property

from eth_typing import ChecksumAddress
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain
from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.contracts import decode_revert, load_artifact
from rwakit.contracts.reverts import revert_error
from rwakit.deployment import Deployment
from rwakit.errors import ContractRevert, InvalidInput, NotFound
from rwakit.funds.models import (
    DAY,
    DEFAULT_CUTOFF,
    DEFAULT_ZONE,
    DayTotals,
    Fund,
    Nav,
    NavStatus,
    Terms,
    day_date,
    format_nav,
    parse_cutoff,
    parse_nav,
)
from rwakit.funds.reverts import fund_error
from rwakit.settlement.cash import CashService, settlement_address
from rwakit.tokenize.models import AssetKind
from rwakit.tokenize.service import AssetService
from rwakit.units import to_base_units

ZERO_ADDRESS = "0x" + "00" * 20
MAX_FEE_BPS = 1_000  # FundVault.MAX_FEE_BPS
MAX_DEVIATION_BPS = 10_000
MAX_NAV_AGE = 2**32 - 1
DEFAULT_DEVIATION_BPS = 500
DEFAULT_NAV_AGE = 4 * DAY  # a Friday's NAV still deals on the Monday after


@dataclass(frozen=True)
class Order:
    """One transaction of a fund's, built and checked as far as can be without sending it (what the HTTP API
    journals as one step): `cash` and `shares` are what an investor's request takes or claim delivers,
    `allowance` the cash approved to the vault first."""

    what: str  # publication, ..., subscription request, subscription (a claim), cancelled redemption
    call: ContractFunction
    action: str  # how a refusal names it
    shares: int = 0
    cash: int = 0
    allowance: int = 0


@dataclass(frozen=True)
class OpenedVault:
    fund: Fund
    cash_approved: bool  # False: the cash account (a key rwakit does not hold) must approve the vault itself


class Vaults:
    """Finds a fund's vault and sends its transactions; shared by the vault and dealing services."""

    def __init__(self, chain: Chain, txm: TransactionManager, deployment: Deployment, assets: AssetService,
                 cash: CashService) -> None:  # fmt: skip
        self.chain = chain
        self.txm = txm
        self.deployment = deployment
        self.assets = assets
        self.cash = cash
        self._vaults: dict[str, Contract] = {}

    @cached_property
    def factory(self) -> Contract:
        return load_artifact("FundVaultFactory").at(self.chain.w3, settlement_address(self.deployment, "fund_vaults"))

    def fund_token(self, fund: str) -> Contract:
        """The asset token of `fund` (symbol or address), refused unless it is a fund."""
        token = self.assets.token(fund)
        if AssetKind(token.functions.assetKind().call()) is not AssetKind.FUND:
            raise InvalidInput(f"{fund} is a property, not a fund: only a fund has a dealing vault", code="not_a_fund")
        return token

    def vault(self, fund: str) -> Contract:
        token = self.fund_token(fund)
        address = self.factory.functions.vaultOf(token.address).call()
        if address == ZERO_ADDRESS:
            raise NotFound(f"{fund} has no dealing vault yet: its admin opens one with `rwakit fund open {fund}`",
                           code="no_vault")  # fmt: skip
        if address not in self._vaults:
            self._vaults[address] = load_artifact("FundVault").at(self.chain.w3, address)
        return self._vaults[address]

    def send(self, signer: Signer, call: ContractFunction, action: str) -> TxReceipt:
        """`call` through the platform's transaction manager; a revert becomes the funds' error for it."""
        try:
            return self.txm.transact(signer, call, label=action)
        except ContractRevert as exc:
            raise fund_error(exc, action) from None

    def check(self, sender: str, call: ContractFunction, action: str, *, allowed: str = "") -> None:
        """Raise what `call` sent by `sender` would revert with now (except the revert named `allowed`)."""
        try:
            call.call({"from": sender})
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            decoded = decode_revert(data)
            if decoded is not None and decoded.name == allowed:
                return
            error = revert_error(decoded, action)
            raise fund_error(error, action) if isinstance(error, ContractRevert) else error from None

    def wallet(self, who: str) -> ChecksumAddress:
        """An investor id's first wallet, or a wallet as given."""
        return self.assets.recipient(who)


class VaultService:
    def __init__(self, vaults: Vaults) -> None:
        self._v = vaults

    def terms(self, *, cash_account: str, fee_account: str, subscription_fee_bps: int = 0,
              redemption_fee_bps: int = 0, max_nav_deviation_bps: int = DEFAULT_DEVIATION_BPS,
              max_nav_age: int = DEFAULT_NAV_AGE, min_subscription: str | int = 0, min_redemption: str | int = 0,
              fund: str | None = None) -> Terms:  # fmt: skip
        """Dealing terms, checked and in base units: accounts as investor ids or wallets, fees in basis points
        (at most 1,000), minimums in display units (cash; shares of `fund`, needed when `min_redemption`
        is a decimal string)."""
        for name, bps, top in (("subscription fee", subscription_fee_bps, MAX_FEE_BPS),
                               ("redemption fee", redemption_fee_bps, MAX_FEE_BPS),
                               ("NAV deviation", max_nav_deviation_bps, MAX_DEVIATION_BPS)):  # fmt: skip
            if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= top:
                raise InvalidInput(f"The {name} is 0 to {top:,} basis points, not {bps}", code="invalid_fee")
        if isinstance(max_nav_age, bool) or not isinstance(max_nav_age, int) or not 0 < max_nav_age <= MAX_NAV_AGE:
            raise InvalidInput(f"A NAV's maximum age is 1 s to {MAX_NAV_AGE:,} s, not {max_nav_age}",
                               code="invalid_terms")  # fmt: skip
        min_shares = min_redemption
        if isinstance(min_redemption, str):
            if fund is None:
                raise InvalidInput("A minimum redemption in shares needs its fund", code="invalid_terms")
            min_shares = to_base_units(min_redemption, self._v.assets.token(fund).functions.decimals().call())
        minimum = self._v.cash.units(min_subscription)
        if minimum >= 2**128 or int(min_shares) >= 2**128:
            raise InvalidInput("A minimum is below 2**128 base units", code="amount_too_large")
        return Terms(self._v.wallet(cash_account), self._v.wallet(fee_account), subscription_fee_bps,
                     redemption_fee_bps, max_nav_deviation_bps, max_nav_age, minimum, int(min_shares))  # fmt: skip

    def open(self, admin: Signer, fund: str, terms: Terms, *, initial_nav: str | int,
             cutoff: str = DEFAULT_CUTOFF, zone: str = DEFAULT_ZONE, valuer: str | None = None,
             manager: str | None = None) -> OpenedVault:  # fmt: skip
        """Open `fund`'s dealing vault: `admin` (the asset's admin) creates it at `initial_nav` with requests
        closing at `cutoff` in `zone` each day, grants it the asset's ISSUER_ROLE (to mint and burn at dealing),
        and, when rwakit holds the cash account's key, approves the vault to pay redemptions from it.
        `valuer` and `manager` (default: the admin) publish NAVs and settle dealing days."""
        order = self.opening(admin.address, fund, terms, initial_nav=initial_nav, cutoff=cutoff, zone=zone,
                             valuer=valuer, manager=manager)  # fmt: skip
        self.send(admin, order)
        return self.complete_opening(admin, fund)

    def opening(self, admin: str, fund: str, terms: Terms, *, initial_nav: str | int,
                cutoff: str = DEFAULT_CUTOFF, zone: str = DEFAULT_ZONE, valuer: str | None = None,
                manager: str | None = None) -> Order:  # fmt: skip
        """The vault's creation :meth:`open` sends, checked against the factory now: nothing is sent."""
        token = self._v.fund_token(fund)
        seconds, nav = parse_cutoff(cutoff, zone), parse_nav(initial_nav)
        valuer_wallet = self._v.wallet(valuer) if valuer else admin
        manager_wallet = self._v.wallet(manager) if manager else admin
        symbol = token.functions.symbol().call()
        call = self._v.factory.functions.createVault(token.address, seconds, nav, terms.as_tuple(), valuer_wallet,
                                                     manager_wallet)  # fmt: skip
        action = f"open {symbol}'s vault"
        self._v.check(admin, call, action)
        return Order("opening", call, action)

    def complete_opening(self, admin: Signer, fund: str) -> OpenedVault:
        """What follows the vault's creation, each safe to send again: the asset's ISSUER_ROLE granted to the
        vault (unless it holds it), the cash account's approval (when rwakit holds its key)."""
        if (grant := self.granting(fund)) is not None:
            self.send(admin, grant)
        return OpenedVault(self.get(fund), self.approve_cash(fund))

    def granting(self, fund: str) -> Order | None:
        """The grant of the asset's ISSUER_ROLE to its vault, or None when the vault holds it."""
        token, vault = self._v.fund_token(fund), self._v.vault(fund)
        issuer = token.functions.ISSUER_ROLE().call()
        if token.functions.hasRole(issuer, vault.address).call():
            return None
        symbol = token.functions.symbol().call()
        return Order("issuer role", token.functions.grantRole(issuer, vault.address),
                     f"grant {symbol}'s vault the issuer role")  # fmt: skip

    def approve_cash(self, fund: str) -> bool:
        """The cash account approves the vault for every redemption (an allowance without limit) if rwakit
        holds its key; False if it does not (its holder approves the vault in the settlement currency)."""
        vault = self._v.vault(fund)
        account = vault.functions.dealingTerms().call()[0]
        for signer in self._v.chain.signers:
            if signer.address == account:
                self._v.cash.approve(signer, vault.address, 2**256 - 1)
                return True
        return False

    def set_terms(self, admin: Signer, fund: str, terms: Terms) -> Fund:
        """New dealing terms (fees apply to requests from now on). Admin only."""
        self.send(admin, self.terms_setting(fund, terms))
        return self.get(fund)

    def terms_setting(self, fund: str, terms: Terms) -> Order:
        call = self._v.vault(fund).functions.setTerms(terms.as_tuple())
        return Order("terms", call, f"set {fund}'s dealing terms")

    def publish_nav(self, valuer: Signer, fund: str, nav: str | int, *, valued_at: int | None = None) -> Nav:
        """Publish the NAV per share valued at `valued_at` (default: the latest block's time). It is held for
        the admin when further from the baseline than the terms allow. Valuer only."""
        self.send(valuer, self.publication(fund, nav, valued_at=valued_at))
        return self.nav(fund)

    def publication(self, fund: str, nav: str | int, *, valued_at: int | None = None) -> Order:
        """The NAV :meth:`publish_nav` sends (its id is known once mined: :meth:`published`)."""
        value = parse_nav(nav)
        vault = self._v.vault(fund)
        when = self._now() if valued_at is None else valued_at
        if isinstance(when, bool) or not isinstance(when, int) or not 0 <= when < 2**40:
            raise InvalidInput(f"A valuation time is unix seconds, not {when}", code="invalid_nav")
        call = vault.functions.publishNav(value, when)
        return Order("publication", call, f"publish {fund}'s NAV {format_nav(value)}")

    def published(self, fund: str, receipt: TxReceipt) -> Nav:
        """The NAV a mined publication published."""
        [event] = self._v.vault(fund).events.NavPublished().process_receipt(receipt, errors=DISCARD)
        return self.nav(fund, int(event["args"]["navId"]))

    def confirm_nav(self, admin: Signer, fund: str, nav_id: int | None = None) -> Nav:
        """The admin's confirmation of the latest NAV (held or stale) for dealing. Admin only."""
        which = self.nav(fund).id if nav_id is None else nav_id
        self.send(admin, self.confirmation(fund, which))
        return self.nav(fund, which)

    def confirmation(self, fund: str, nav_id: int) -> Order:
        call = self._v.vault(fund).functions.confirmNav(nav_id)
        return Order("confirmation", call, f"confirm {fund}'s NAV {nav_id}")

    def nav(self, fund: str, nav_id: int | None = None) -> Nav:
        """NAV `nav_id` (default: the latest)."""
        vault = self._v.vault(fund)
        count = int(vault.functions.navCount().call())
        which = count if nav_id is None else nav_id
        if not 0 < which <= count:
            raise NotFound(f"{fund} has NAVs 1 to {count}, not {which}", code="nav_not_found")
        value, valuation_time, published_at, status, confirmed_at = vault.functions.nav(which).call()
        return Nav(which, value, valuation_time, published_at, NavStatus(status), confirmed_at)

    def navs(self, fund: str) -> builtins.list[Nav]:
        """Every NAV published, oldest first (the launch NAV is 1)."""
        count = int(self._v.vault(fund).functions.navCount().call())
        return [self.nav(fund, i) for i in range(1, count + 1)]

    def settle(self, manager: Signer, fund: str, day: int | None = None) -> DayTotals:
        """Deal day `day` (default: the last day whose cut-off passed) at the latest NAV, in one transaction.
        Manager only; refused before the vault's first dealing day, before the cut-off, when settled already,
        and when the latest NAV is held, stale or valued before the cut-off."""
        which = self.last_closed_day(fund) if day is None else day
        self.send(manager, self.settlement(fund, which))
        return self.day(fund, which)

    def settlement(self, fund: str, day: int) -> Order:
        vault = self._v.vault(fund)
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < 2**32:
            raise InvalidInput(f"A dealing day is a day number since 1970-01-01, not {day}", code="invalid_day")
        action = f"settle {fund}'s dealing day {day_date(day).isoformat()}"
        return Order("settlement", vault.functions.settleDealingDay(day), action)

    def send(self, signer: Signer, order: Order) -> TxReceipt:
        """`order`'s one transaction; a revert becomes the funds' error for it."""
        return self._v.send(signer, order.call, order.action)

    def contract(self, fund: str) -> Contract:
        """`fund`'s FundVault handle."""
        return self._v.vault(fund)

    def cutoff_time(self, fund: str, day: int) -> int:
        """When dealing day `day`'s requests close (unix seconds)."""
        return int(self._v.vault(fund).functions.cutoffTime(day).call())

    def last_closed_day(self, fund: str) -> int:
        """The latest dealing day whose cut-off has passed (the one before the open day)."""
        return int(self._v.vault(fund).functions.dealingDay(self._now()).call()) - 1

    def day(self, fund: str, day: int) -> DayTotals:
        assets, fees, shares, nav = self._v.vault(fund).functions.dealingDayTotals(day).call()
        return DayTotals(day, assets, fees, shares, nav)

    def get(self, fund: str) -> Fund:
        vault = self._v.vault(fund)
        f = vault.functions
        token = self._v.assets.token(f.share().call())
        return Fund(
            asset=token.address,
            symbol=token.functions.symbol().call(),
            vault=vault.address,
            share_decimals=token.functions.decimals().call(),
            cutoff=f.cutoff().call(),
            terms=Terms.from_tuple(tuple(f.dealingTerms().call())),
            latest_nav=self.nav(token.address),
            baseline_nav_id=f.baselineNavId().call(),
            nav_usable=f.navUsable().call(),
            open_day=f.dealingDay(self._now()).call(),
            first_day=f.firstDealingDay().call(),
        )

    def list(self) -> builtins.list[Fund]:
        """Every fund with a vault, oldest vault first."""
        return [self.get(load_artifact("FundVault").at(self._v.chain.w3, v).functions.share().call())
                for v in self._v.factory.functions.vaults().call()]  # fmt: skip

    def _now(self) -> int:
        return int(self._v.chain.w3.eth.get_block("latest")["timestamp"])
