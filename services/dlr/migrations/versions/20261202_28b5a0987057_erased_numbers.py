"""erased numbers (privacy erasures)

Revision ID: 28b5a0987057
Revises: 7e699e21c6ad
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "28b5a0987057"
down_revision: str | None = "7e699e21c6ad"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_numbers",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("number_digest", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("erasure_id", name=op.f("pk_erased_numbers")),
    )
    op.create_index(op.f("ix_erased_numbers_number_digest"), "erased_numbers", ["number_digest"])


def downgrade() -> None:
    op.drop_index(op.f("ix_erased_numbers_number_digest"), table_name="erased_numbers")
    op.drop_table("erased_numbers")
