"""inbound owners and last sends

Revision ID: c0e41c1da1bd
Revises: 8fc3dc1abf4c
Create Date: 2026-12-01 17:43:44.640563
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0e41c1da1bd"
down_revision: str | None = "8fc3dc1abf4c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "last_sends",
        sa.Column("sender", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender", "recipient", name=op.f("pk_last_sends")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            "ix_inbound_messages_account_received",
            ["account_id", "received_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_account_received")
        batch_op.drop_column("account_id")

    op.drop_table("last_sends")
