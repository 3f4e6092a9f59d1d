"""outgoing mail keeps extra header fields

Revision ID: 623778671faf
Revises: 76e430ad0ebf
Create Date: 2026-12-02 01:37:48.896860
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "623778671faf"
down_revision: str | None = "76e430ad0ebf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # List-Unsubscribe and the like; NULL for every mail queued before (it had none).
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.add_column(sa.Column("headers", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail", schema=None) as batch_op:
        batch_op.drop_column("headers")
