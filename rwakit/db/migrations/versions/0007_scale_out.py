"""Several API workers on one PostgreSQL: the senders' shared nonce counts (rwakit.db.send_gate) and
issuances answered 202 and sent by the issuance queue

Revision ID: 0007_scale_out
Revises: 0006_web_sessions
Create Date: 2026-12-05 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_scale_out"
down_revision: str | Sequence[str] | None = "0006_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender_nonce",
        sa.Column("chain", sa.String(length=66), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain", "address"),
    )
    with op.batch_alter_table("issuance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("asynchronous", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("issuance", schema=None) as batch_op:
        batch_op.drop_column("asynchronous")
    op.drop_table("sender_nonce")
