"""message batches

Revision ID: c4d2a9e7b013
Revises: 8e3f1a6c2b57
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d2a9e7b013"
down_revision: str | None = "8e3f1a6c2b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint(
            "account_id", "idempotency_key", name="uq_batches_account_id_idempotency_key"
        ),
    )
    # Nullable columns without defaults: adding them rewrites nothing on PostgreSQL.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("batch_index", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_messages_batch_id_batch_index",
            ["batch_id", "batch_index"],
            unique=False,
            postgresql_where=sa.text("batch_id IS NOT NULL"),
            sqlite_where=sa.text("batch_id IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_messages_batch_id_batch_index",
            postgresql_where=sa.text("batch_id IS NOT NULL"),
            sqlite_where=sa.text("batch_id IS NOT NULL"),
        )
        batch_op.drop_column("batch_index")
        batch_op.drop_column("batch_id")
    op.drop_table("batches")
