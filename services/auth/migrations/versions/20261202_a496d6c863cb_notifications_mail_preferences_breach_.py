"""notifications, mail preferences, breach notices

Revision ID: a496d6c863cb
Revises: 47a3f46f6e28
Create Date: 2026-12-02 00:58:12.594143
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a496d6c863cb"
down_revision: str | None = "47a3f46f6e28"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breach_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_accounts", sa.Boolean(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_notices")),
    )
    with op.batch_alter_table("breach_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_breach_notices_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "mail_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("marketing", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mail_preferences")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("mail_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", "user_id", name=op.f("uq_notifications_key_user_id")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_account_id"))

    op.drop_table("notifications")
    op.drop_table("mail_preferences")
    with op.batch_alter_table("breach_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breach_notices_created_at"))

    op.drop_table("breach_notices")
