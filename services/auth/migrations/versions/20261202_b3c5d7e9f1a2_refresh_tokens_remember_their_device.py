"""refresh tokens remember their device

Revision ID: b3c5d7e9f1a2
Revises: 623778671faf
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3c5d7e9f1a2"
down_revision: str | None = "623778671faf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for tokens issued before: their sessions list with an unknown device, and with
    # their current token's time as the login's.
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_agent", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
        batch_op.add_column(
            sa.Column("session_started_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("session_started_at")
        batch_op.drop_column("ip")
        batch_op.drop_column("user_agent")
