"""message parts waiting index

Revision ID: d7a4c1e9f260
Revises: c4d2a9e7b013
Create Date: 2026-12-01 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7a4c1e9f260"
down_revision: str | None = "c4d2a9e7b013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('pending', 'queued')"


def upgrade() -> None:
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_parts_waiting",
            ["message_id"],
            unique=False,
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
        )


def downgrade() -> None:
    with op.batch_alter_table("message_parts", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_message_parts_waiting",
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
        )
