"""scheduled messages and validity periods

Revision ID: d9f5a2b3c4e6
Revises: c8e4f1a2b3d5
Create Date: 2026-12-01 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9f5a2b3c4e6"
down_revision: str | None = "c8e4f1a2b3d5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("send_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("validity_period", sa.Integer(), nullable=True))
    op.create_index(
        "ix_messages_scheduled_send_at",
        "messages",
        ["send_at"],
        unique=False,
        postgresql_where=sa.text("status = 'scheduled'"),
        sqlite_where=sa.text("status = 'scheduled'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_messages_scheduled_send_at",
        table_name="messages",
        postgresql_where=sa.text("status = 'scheduled'"),
        sqlite_where=sa.text("status = 'scheduled'"),
    )
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("validity_period")
        batch.drop_column("send_at")
