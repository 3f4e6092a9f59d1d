"""unsubscribe tokens

Revision ID: 4e86cbc3f200
Revises: f741e715a323
Create Date: 2026-12-01 18:31:55.272774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e86cbc3f200"
down_revision: str | None = "f741e715a323"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # One random token per account and number for its marketing's unsubscribe link.
    op.create_table(
        "unsubscribe_tokens",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_unsubscribe_tokens")),
        sa.UniqueConstraint("account_id", "phone", name="uq_unsubscribe_tokens_account_id_phone"),
    )


def downgrade() -> None:
    op.drop_table("unsubscribe_tokens")
