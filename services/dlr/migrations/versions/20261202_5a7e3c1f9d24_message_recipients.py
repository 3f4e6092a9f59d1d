"""message recipients by digest, so an erasure finds its number's receipts

Revision ID: 5a7e3c1f9d24
Revises: 28b5a0987057
Create Date: 2026-12-02 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7e3c1f9d24"
down_revision: str | None = "28b5a0987057"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_recipients",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("number_digest", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_recipients")),
    )
    op.create_index(
        "ix_message_recipients_account_id_number_digest",
        "message_recipients",
        ["account_id", "number_digest"],
    )


def downgrade() -> None:
    op.drop_index("ix_message_recipients_account_id_number_digest", "message_recipients")
    op.drop_table("message_recipients")
