"""sender names

Revision ID: edae49218201
Revises: e3b8f5a1c6d4
Create Date: 2026-12-01 10:38:05.174782
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "edae49218201"
down_revision: str | None = "e3b8f5a1c6d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender_names",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("name_key", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sender_names")),
    )
    with op.batch_alter_table("sender_names", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sender_names_account_id_created_at", ["account_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_sender_names_state_created_at", ["state", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_sender_names_approved_name_key",
            ["name_key"],
            unique=True,
            postgresql_where=sa.text("state = 'approved'"),
            sqlite_where=sa.text("state = 'approved'"),
        )

    op.create_table(
        "sender_defaults",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["sender_names.id"],
            name=op.f("fk_sender_defaults_sender_id_sender_names"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_sender_defaults")),
    )


def downgrade() -> None:
    op.drop_table("sender_defaults")
    with op.batch_alter_table("sender_names", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sender_names_approved_name_key",
            postgresql_where=sa.text("state = 'approved'"),
            sqlite_where=sa.text("state = 'approved'"),
        )
        batch_op.drop_index("ix_sender_names_state_created_at")
        batch_op.drop_index("ix_sender_names_account_id_created_at")

    op.drop_table("sender_names")
