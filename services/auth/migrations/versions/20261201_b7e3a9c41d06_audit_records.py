"""audit records

Revision ID: b7e3a9c41d06
Revises: 8c1d5e0a7b42
Create Date: 2026-12-01 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e3a9c41d06"
down_revision: str | None = "8c1d5e0a7b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Append-only; no foreign key to accounts, so records outlive the rows they name.
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        # The account's log page by page, newest first.
        batch_op.create_index(
            "ix_audit_records_account_id_occurred_at_id", ["account_id", "occurred_at", "id"]
        )
        # The retention purge.
        batch_op.create_index(batch_op.f("ix_audit_records_occurred_at"), ["occurred_at"])


def downgrade() -> None:
    op.drop_table("audit_records")
