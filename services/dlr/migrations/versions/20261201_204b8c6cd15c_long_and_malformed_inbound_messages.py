"""long and malformed inbound messages

Revision ID: 204b8c6cd15c
Revises: c0e41c1da1bd
Create Date: 2026-12-01 17:47:11.627978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "204b8c6cd15c"
down_revision: str | None = "c0e41c1da1bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_parts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("smsc", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=64), nullable=False),
        sa.Column("to_number", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_parts")),
    )
    with op.batch_alter_table("inbound_parts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_parts_concat",
            ["smsc", "from_number", "to_number", "reference", "total"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_inbound_parts_stored_at"), ["stored_at"], unique=False)

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("incomplete", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("malformed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("raw_hex", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("raw_hex")
        batch_op.drop_column("malformed")
        batch_op.drop_column("incomplete")
        batch_op.drop_column("parts")

    with op.batch_alter_table("inbound_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_parts_stored_at"))
        batch_op.drop_index("ix_inbound_parts_concat")

    op.drop_table("inbound_parts")
