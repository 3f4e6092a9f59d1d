"""outgoing mail backs off between retries

Revision ID: 76e430ad0ebf
Revises: a496d6c863cb
Create Date: 2026-12-02 01:11:26.264909
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "76e430ad0ebf"
down_revision: str | None = "a496d6c863cb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for every mail already queued: each is tried at once, as before.
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
