"""recipient consents and message purpose

Revision ID: c8e4f1a2b3d5
Revises: b7c3d2e1f0a9
Create Date: 2026-12-01 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8e4f1a2b3d5"
down_revision: str | None = "b7c3d2e1f0a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recipient_consents",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_id", "phone", "purpose", name=op.f("pk_recipient_consents")
        ),
    )
    # Messages stored before purposes existed were sent as transactional ones.
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column(
                "purpose", sa.String(length=16), nullable=False, server_default="transactional"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("purpose")
    op.drop_table("recipient_consents")
