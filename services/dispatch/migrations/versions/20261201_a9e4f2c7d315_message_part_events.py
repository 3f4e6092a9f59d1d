"""message part events, parts' smsc link, listing index keyed by (created_at, id)

Revision ID: a9e4f2c7d315
Revises: d9f5a2b3c4e6
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a9e4f2c7d315"
down_revision: str | None = "d9f5a2b3c4e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_part_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("part_index", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("smsc", sa.String(length=64), nullable=True),
        sa.Column("smsc_message_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id", "part_index"],
            ["message_parts.message_id", "message_parts.part_index"],
            name=op.f("fk_message_part_events_message_id_message_parts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_part_events")),
    )
    op.create_index(
        "ix_message_part_events_message_id_part_index",
        "message_part_events",
        ["message_id", "part_index"],
        unique=False,
    )
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("smsc", sa.String(length=64), nullable=True))

    # Keyset pages need the id in the index too. messages is the biggest table: on
    # PostgreSQL the index is built without blocking intake's inserts.
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_messages_account_id_created_at_id",
                "messages",
                ["account_id", "created_at", "id"],
                postgresql_concurrently=True,
            )
            op.drop_index(
                "ix_messages_account_id_created_at",
                table_name="messages",
                postgresql_concurrently=True,
            )
    else:
        with op.batch_alter_table("messages", schema=None) as batch_op:
            batch_op.create_index(
                "ix_messages_account_id_created_at_id", ["account_id", "created_at", "id"]
            )
            batch_op.drop_index("ix_messages_account_id_created_at")


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_account_id_created_at", ["account_id", "created_at"], unique=False
        )
        batch_op.drop_index("ix_messages_account_id_created_at_id")
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.drop_column("smsc")
    op.drop_index("ix_message_part_events_message_id_part_index", table_name="message_part_events")
    op.drop_table("message_part_events")
