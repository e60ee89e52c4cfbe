"""The read model's tables: what the indexer derives from the platform's events.

Every row carries the block it came from. State is kept twice: a *current* table (one row per
key, what reads of "now" use) and a *history* table (one row per change, keyed by the change's
block and log index, what reads "as of block N" use). A reorg deletes the history rows above the
common ancestor and rebuilds the current rows of exactly the keys those rows touched from the
latest surviving history row, in one SQL transaction: no undo log is needed, and history doubles
as the register of holders at any past date.

Amounts are uint256: they are stored as 78-digit zero-padded decimal strings (``Uint256``), so
SQLite and PostgreSQL hold them exactly and ``ORDER BY`` sorts them numerically.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from rwakit.db.clock import utcnow

UINT256_DIGITS = 78  # len(str(2**256 - 1))


class Uint256(TypeDecorator[int]):
    """A uint256 as a fixed-width decimal string: exact everywhere, ordered numerically."""

    impl = String(UINT256_DIGITS)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not 0 <= value < 2**256:
            raise ValueError(f"{value} is not a uint256")
        return str(value).zfill(UINT256_DIGITS)

    def process_result_value(self, value: str | None, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def _uint256(**kwargs: Any) -> Any:
    return Field(default=0, sa_type=Uint256, **kwargs)


def _block() -> Any:
    return Field(sa_type=BigInteger, index=True)


# -- progress -----------------------------------------------------------------------------------


class IndexCursor(SQLModel, table=True):
    """How far the index has got on one chain: every event up to and including this block."""

    __tablename__ = "index_cursor"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class IndexedBlock(SQLModel, table=True):
    """A block the index has read: every block with a platform event, and each batch's last block.

    The hashes detect a reorg (a stored hash the node no longer has); the timestamps answer
    "as of a date" (the last indexed block at or before it)."""

    __tablename__ = "index_block"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    number: int = Field(sa_type=BigInteger, primary_key=True)
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)
    timestamp: int = Field(sa_type=BigInteger, index=True)


class IndexedContract(SQLModel, table=True):
    """A platform contract the indexer follows: the registry, the factory, and every asset it created."""

    __tablename__ = "index_contract"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    address: str = Field(primary_key=True, max_length=42)
    kind: str = Field(max_length=16)  # registry | factory | asset | fund_factory | fund_vault
    symbol: str = Field(default="", max_length=32, index=True)
    name: str = Field(default="", max_length=200)
    decimals: int = 0
    block_number: int = _block()


# -- events -------------------------------------------------------------------------------------


class IndexedTransfer(SQLModel, table=True):
    """One ERC-20 Transfer of an asset: issue (from zero), redemption (to zero), or a move."""

    __tablename__ = "index_transfer"
    __table_args__ = (
        Index("ix_index_transfer_asset_block", "chain_id", "asset", "block_number"),
        Index("ix_index_transfer_sender", "chain_id", "sender", "block_number"),
        Index("ix_index_transfer_receiver", "chain_id", "receiver", "block_number"),
    )

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    tx_hash: str = Field(primary_key=True, max_length=66)
    log_index: int = Field(primary_key=True)
    block_number: int = Field(sa_type=BigInteger)
    asset: str = Field(max_length=42)
    sender: str = Field(max_length=42)
    receiver: str = Field(max_length=42)
    amount: int = _uint256()
    forced: bool = False  # followed by the asset's ForcedTransfer (a forced transfer or a recovery)


# -- state: current and history ----------------------------------------------------------------


class Balance(SQLModel, table=True):
    """A wallet's balance of an asset now (zero balances stay as rows: the wallet held it once)."""

    __tablename__ = "index_balance"
    __table_args__ = (Index("ix_index_balance_wallet", "chain_id", "wallet"),)

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    asset: str = Field(primary_key=True, max_length=42)
    wallet: str = Field(primary_key=True, max_length=42)
    amount: int = _uint256()
    block_number: int = _block()


class BalanceChange(SQLModel, table=True):
    """A wallet's balance of an asset after one Transfer: the history behind ``Balance``."""

    __tablename__ = "index_balance_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    asset: str = Field(primary_key=True, max_length=42)
    wallet: str = Field(primary_key=True, max_length=42)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)
    amount: int = _uint256()


class InvestorState(SQLModel):
    # "HK-0001", decoded from bytes32; an id in other bytes (a hash, written past rwakit) as its 0x hex
    investor_id: str = Field(primary_key=True, max_length=66)
    number: int = Field(sa_type=BigInteger, index=True)  # the registry's uint48 investor number
    country: int  # ISO 3166-1 numeric
    investor_class: int  # rwakit.registry.InvestorClass
    kyc_expiry: int = Field(sa_type=BigInteger)  # unix seconds
    revoked: bool = False


class Investor(InvestorState, table=True):
    """An investor's registry record now."""

    __tablename__ = "index_investor"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class InvestorChange(InvestorState, table=True):
    """An investor's record after one registry event."""

    __tablename__ = "index_investor_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


class WalletState(SQLModel):
    wallet: str = Field(primary_key=True, max_length=42)
    investor_id: str = Field(max_length=66, index=True)
    active: bool = True  # False once WalletRemoved: the wallet's shares still count, under no investor


class Wallet(WalletState, table=True):
    """Which investor a wallet belongs to now."""

    __tablename__ = "index_wallet"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class WalletChange(WalletState, table=True):
    __tablename__ = "index_wallet_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


class SettingState(SQLModel):
    """One named setting of one contract, its value as JSON text.

    name / key / value, for example:
      paused / "" / true;  rule / "maxHolders" / 50;  country_blocked / "840" / true;
      document / "<name as 0x hex>" / {"uri": ..., "hash": ...} (null once removed);
      role / "<role hash>:<account>" / true|false;  frozen / "<wallet>" / true|false;
      frozen_tokens / "<wallet>" / "<base units as a decimal string>";  shares_authorised / "" / "..."."""

    contract: str = Field(primary_key=True, max_length=42)
    name: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=160)
    value: str = Field(max_length=4000)


class Setting(SettingState, table=True):
    __tablename__ = "index_setting"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class SettingChange(SettingState, table=True):
    __tablename__ = "index_setting_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


# -- funds: dealing vaults (FundVault, opened by the FundVaultFactory) ---------------------------


class FundState(SQLModel):
    """A fund's dealing vault: its asset, cut-off and dealing terms (FundVault.Terms, from TermsSet)."""

    vault: str = Field(primary_key=True, max_length=42)
    asset: str = Field(max_length=42, index=True)
    admin: str = Field(max_length=42)  # who opened the vault (its first DEFAULT_ADMIN_ROLE)
    cutoff: int = Field(sa_type=BigInteger)  # seconds after 00:00 UTC at which a dealing day closes
    share_decimals: int  # the asset's decimals
    coin_decimals: int  # the settlement currency's decimals
    cash_account: str = Field(max_length=42)
    fee_account: str = Field(max_length=42)
    subscription_fee_bps: int
    redemption_fee_bps: int
    max_nav_deviation_bps: int
    max_nav_age: int = Field(sa_type=BigInteger)  # seconds
    min_subscription: int = _uint256()  # settlement currency base units
    min_redemption: int = _uint256()  # share base units


class Fund(FundState, table=True):
    __tablename__ = "index_fund"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class FundChange(FundState, table=True):
    __tablename__ = "index_fund_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


class FundNavState(SQLModel):
    """One published NAV per share (18 decimals) and its status: accepted, held (too far from the
    baseline) or confirmed (by the admin)."""

    vault: str = Field(primary_key=True, max_length=42)
    nav_id: int = Field(sa_type=BigInteger, primary_key=True)
    value: int = _uint256()
    valuation_time: int = Field(sa_type=BigInteger)  # unix seconds
    published_block: int = Field(sa_type=BigInteger)
    published_at: int = Field(sa_type=BigInteger)  # that block's timestamp
    status: str = Field(max_length=10)  # accepted | held | confirmed
    confirmed_block: int | None = Field(default=None, sa_type=BigInteger)
    confirmed_at: int | None = Field(default=None, sa_type=BigInteger)  # that block's timestamp: it ages too


class FundNav(FundNavState, table=True):
    __tablename__ = "index_fund_nav"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class FundNavChange(FundNavState, table=True):
    __tablename__ = "index_fund_nav_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


class FundDayState(SQLModel):
    """A dealing day's totals (FundVault.DealingDay): requests add up until its cut-off, cancellations
    take away, and settlement fixes its NAV."""

    vault: str = Field(primary_key=True, max_length=42)
    day: int = Field(sa_type=BigInteger, primary_key=True)  # days since 1970-01-01 (UTC)
    deposit_assets: int = _uint256()  # gross subscription cash, settlement currency base units
    deposit_fees: int = _uint256()
    redeem_shares: int = _uint256()  # share base units
    nav_id: int | None = Field(default=None, sa_type=BigInteger)  # set at settlement
    nav: int = _uint256()  # zero until settled
    settled_block: int | None = Field(default=None, sa_type=BigInteger)
    # Set at settlement, with the vault's per-request rounding (no event says them). Dust is in units of
    # 10**-(18 + share decimals) of a cash base unit, which makes it exact:
    # deposit_assets = deposit_shares x NAV + deposit_fees + deposit_refunded + deposit_dust, and
    # redeem_shares x NAV = redeem_assets + redeem_dust (redeem_assets: what the claims pay, fees included).
    deposit_shares: int = _uint256()
    deposit_refunded: int = _uint256()  # net cash of requests that bought no share, paid back
    deposit_dust: int = _uint256()
    redeem_assets: int = _uint256()
    redeem_fees: int = _uint256()
    redeem_dust: int = _uint256()


class FundDay(FundDayState, table=True):
    __tablename__ = "index_fund_day"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class FundDayChange(FundDayState, table=True):
    __tablename__ = "index_fund_day_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)


class FundRequestState(SQLModel):
    """A controller's requests on one side (deposit: subscriptions, redeem: redemptions) of a vault, as
    the vault keeps them: the pending request (its dealing day and amount), what settled days made
    claimable, what a cancellation left to take back, and what has been claimed. Amounts are in the
    settlement currency's base units (assets) or the share's (shares); a deposit's pending amount is
    cash, a redemption's is shares."""

    vault: str = Field(primary_key=True, max_length=42)
    controller: str = Field(primary_key=True, max_length=42)
    side: str = Field(primary_key=True, max_length=8)  # deposit | redeem
    day: int = Field(sa_type=BigInteger)  # the dealing day of the last request
    pending: int = _uint256()
    # deposit: the subscription fees fixed at the requests; redeem: the sum of each request's shares times
    # the redemption fee rate fixed at it (the vault's fee weight: a same-day request keeps its own rate)
    pending_fees: int = _uint256()
    claimable_assets: int = _uint256()  # deposit: gross cash dealt; redeem: net cash to pay
    claimable_shares: int = _uint256()
    claimable_fees: int = _uint256()  # redeem: fees paid at the claim
    cancelled: int = _uint256()  # cancelled cash (deposit) or shares (redeem) to take back
    claimed_assets: int = _uint256()
    claimed_shares: int = _uint256()
    status: str = Field(max_length=10)  # pending | claimable | cancelled | claimed


class FundRequest(FundRequestState, table=True):
    __tablename__ = "index_fund_request"
    __table_args__ = (Index("ix_index_fund_request_day", "chain_id", "vault", "day"),)

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = _block()


class FundRequestChange(FundRequestState, table=True):
    __tablename__ = "index_fund_request_history"

    chain_id: int = Field(sa_type=BigInteger, primary_key=True)
    block_number: int = Field(sa_type=BigInteger, primary_key=True)
    log_index: int = Field(primary_key=True)
