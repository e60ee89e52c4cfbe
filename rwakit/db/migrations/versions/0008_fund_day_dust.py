"""The funds' read model: each settled dealing day's shares, refunds, redemption cash and fees, and the
rounding dust the fund kept; a confirmed NAV's confirmation time (rwakit.indexer.tables)

Revision ID: 0008_fund_day_dust
Revises: 0007_scale_out
Create Date: 2026-12-06 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_fund_day_dust"
down_revision: str | Sequence[str] | None = "0007_scale_out"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
DAY_COLUMNS = ("deposit_shares", "deposit_refunded", "deposit_dust", "redeem_assets", "redeem_fees", "redeem_dust")
INDEX_TABLES = ("index_cursor", "index_block", "index_contract", "index_transfer", "index_balance",
                "index_balance_history", "index_investor", "index_investor_history", "index_wallet",
                "index_wallet_history", "index_setting", "index_setting_history", "index_fund", "index_fund_history",
                "index_fund_nav", "index_fund_nav_history", "index_fund_day", "index_fund_day_history",
                "index_fund_request", "index_fund_request_history")  # fmt: skip


def upgrade() -> None:
    for table in ("index_fund_day", "index_fund_day_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in DAY_COLUMNS:
                batch_op.add_column(sa.Column(name, sa.String(length=78), nullable=False, server_default="0" * 78))
    for table in ("index_fund_nav", "index_fund_nav_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("confirmed_at", sa.BigInteger(), nullable=True))
    # The new columns are derived from events the index has passed: it starts again from the deployment
    # block (the next `rwakit index` rebuilds it), so settled days get their dust rather than zeros.
    for name in INDEX_TABLES:
        op.execute(sa.text(f"DELETE FROM {name}"))


def downgrade() -> None:
    for table in ("index_fund_nav", "index_fund_nav_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("confirmed_at")
    for table in ("index_fund_day", "index_fund_day_history"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in DAY_COLUMNS:
                batch_op.drop_column(name)
