"""outbox failed rows inbox processed index

Revision ID: f44a61ce44a0
Revises: 7a4f7fcc7f9a
Create Date: 2026-12-01 01:45:08.631330
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f44a61ce44a0"
down_revision: str | None = "7a4f7fcc7f9a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The inbox has grown unpruned until now: build the index without blocking the
        # consumers' inserts for as long as that takes.
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_inbox_processed_at",
                "inbox",
                ["processed_at"],
                postgresql_concurrently=True,
            )
    else:
        with op.batch_alter_table("inbox", schema=None) as batch_op:
            batch_op.create_index("ix_inbox_processed_at", ["processed_at"], unique=False)

    # Rows the broker refuses for good are moved aside here instead of blocking the relay.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("failure")
        batch_op.drop_column("failed_at")

    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_processed_at")
