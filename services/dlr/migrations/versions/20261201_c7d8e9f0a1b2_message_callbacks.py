"""message callbacks: a send's own callback_url, its per-message endpoints and their secret

Revision ID: c7d8e9f0a1b2
Revises: b4ec115ee13d
Create Date: 2026-12-01 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7d8e9f0a1b2"
down_revision: str | None = "b4ec115ee13d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(
            sa.Column("per_message", sa.Boolean(), server_default="false", nullable=False)
        )
    op.create_table(
        "webhook_callback_secrets",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_webhook_callback_secrets")),
    )
    op.create_table(
        "webhook_message_callbacks",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_webhook_message_callbacks")),
    )
    op.create_index(
        op.f("ix_webhook_message_callbacks_created_at"),
        "webhook_message_callbacks",
        ["created_at"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_webhook_message_callbacks_created_at"), table_name="webhook_message_callbacks"
    )
    op.drop_table("webhook_message_callbacks")
    op.drop_table("webhook_callback_secrets")
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("per_message")
