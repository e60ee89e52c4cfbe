"""The indexer's read model (rwakit/indexer/tables.py): a current and a history table per state.

Revision ID: 0002_read_model
Revises: 0001_api_tables
Create Date: 2026-12-04 21:26:41.204200
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_read_model"
down_revision: str | Sequence[str] | None = "0001_api_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "index_balance",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=42), nullable=False),
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("amount", sa.String(length=78), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "asset", "wallet"),
    )
    op.create_index("ix_index_balance_block_number", "index_balance", ["block_number"], unique=False)
    op.create_index("ix_index_balance_wallet", "index_balance", ["chain_id", "wallet"], unique=False)
    op.create_table(
        "index_balance_history",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=42), nullable=False),
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("amount", sa.String(length=78), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "asset", "wallet", "block_number", "log_index"),
    )
    op.create_table(
        "index_block",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("parent_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "number"),
    )
    op.create_index("ix_index_block_timestamp", "index_block", ["timestamp"], unique=False)
    op.create_table(
        "index_contract",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "address"),
    )
    op.create_index("ix_index_contract_block_number", "index_contract", ["block_number"], unique=False)
    op.create_index("ix_index_contract_symbol", "index_contract", ["symbol"], unique=False)
    op.create_table(
        "index_cursor",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain_id"),
    )
    op.create_table(
        "index_investor",
        sa.Column("investor_id", sa.String(length=66), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("country", sa.Integer(), nullable=False),
        sa.Column("investor_class", sa.Integer(), nullable=False),
        sa.Column("kyc_expiry", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("investor_id", "chain_id"),
    )
    op.create_index("ix_index_investor_block_number", "index_investor", ["block_number"], unique=False)
    op.create_index("ix_index_investor_number", "index_investor", ["number"], unique=False)
    op.create_table(
        "index_investor_history",
        sa.Column("investor_id", sa.String(length=66), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("country", sa.Integer(), nullable=False),
        sa.Column("investor_class", sa.Integer(), nullable=False),
        sa.Column("kyc_expiry", sa.BigInteger(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("investor_id", "chain_id", "block_number", "log_index"),
    )
    op.create_index("ix_index_investor_history_number", "index_investor_history", ["number"], unique=False)
    op.create_table(
        "index_setting",
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("value", sa.String(length=4000), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("contract", "name", "key", "chain_id"),
    )
    op.create_index("ix_index_setting_block_number", "index_setting", ["block_number"], unique=False)
    op.create_table(
        "index_setting_history",
        sa.Column("contract", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("value", sa.String(length=4000), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("contract", "name", "key", "chain_id", "block_number", "log_index"),
    )
    op.create_table(
        "index_transfer",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("asset", sa.String(length=42), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("receiver", sa.String(length=42), nullable=False),
        sa.Column("amount", sa.String(length=78), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "tx_hash", "log_index"),
    )
    op.create_index(
        "ix_index_transfer_asset_block", "index_transfer", ["chain_id", "asset", "block_number"], unique=False
    )
    op.create_index(
        "ix_index_transfer_receiver", "index_transfer", ["chain_id", "receiver", "block_number"], unique=False
    )
    op.create_index("ix_index_transfer_sender", "index_transfer", ["chain_id", "sender", "block_number"], unique=False)
    op.create_table(
        "index_wallet",
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("investor_id", sa.String(length=66), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("wallet", "chain_id"),
    )
    op.create_index("ix_index_wallet_block_number", "index_wallet", ["block_number"], unique=False)
    op.create_index("ix_index_wallet_investor_id", "index_wallet", ["investor_id"], unique=False)
    op.create_table(
        "index_wallet_history",
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("investor_id", sa.String(length=66), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("wallet", "chain_id", "block_number", "log_index"),
    )
    op.create_index("ix_index_wallet_history_investor_id", "index_wallet_history", ["investor_id"], unique=False)


def downgrade() -> None:
    op.drop_table("index_wallet_history")
    op.drop_table("index_wallet")
    op.drop_table("index_transfer")
    op.drop_table("index_setting_history")
    op.drop_table("index_setting")
    op.drop_table("index_investor_history")
    op.drop_table("index_investor")
    op.drop_table("index_cursor")
    op.drop_table("index_contract")
    op.drop_table("index_block")
    op.drop_table("index_balance_history")
    op.drop_table("index_balance")
