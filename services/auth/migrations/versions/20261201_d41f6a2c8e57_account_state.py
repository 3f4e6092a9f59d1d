"""account state

Revision ID: d41f6a2c8e57
Revises: b7e3a9c41d06
Create Date: 2026-12-01 06:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41f6a2c8e57"
down_revision: str | None = "b7e3a9c41d06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default makes every existing account active.
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), server_default="active", nullable=False)
        )
        batch_op.add_column(sa.Column("state_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("state_reason")
        batch_op.drop_column("state")
