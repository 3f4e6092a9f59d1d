"""assigned numbers: which account an MO to one of our numbers belongs to

Revision ID: 8fc3dc1abf4c
Revises: bd9bf5cf32a8
Create Date: 2026-12-01 17:42:00.382138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8fc3dc1abf4c"
down_revision: str | None = "bd9bf5cf32a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assigned_numbers",
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_assigned_numbers")),
    )
    with op.batch_alter_table("assigned_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assigned_numbers_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assigned_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assigned_numbers_account_id"))

    op.drop_table("assigned_numbers")
