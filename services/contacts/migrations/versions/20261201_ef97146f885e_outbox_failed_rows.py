"""outbox failed rows

Revision ID: ef97146f885e
Revises: 1a18689cc956
Create Date: 2026-12-01 01:44:47.050766
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ef97146f885e"
down_revision: str | None = "1a18689cc956"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows the broker refuses for good are moved aside here instead of blocking the relay.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("failure")
        batch_op.drop_column("failed_at")
