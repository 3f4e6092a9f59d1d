"""help texts

Revision ID: f2b7c4d5e6a8
Revises: e1a6b3c4d5f7
Create Date: 2026-12-01 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2b7c4d5e6a8"
down_revision: str | None = "e1a6b3c4d5f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_texts",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_help_texts")),
    )


def downgrade() -> None:
    op.drop_table("help_texts")
