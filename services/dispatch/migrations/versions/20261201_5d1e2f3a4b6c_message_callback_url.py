"""message callback_url: a send's own webhook URL, carried on message.accepted

Revision ID: 5d1e2f3a4b6c
Revises: 4c9e1a7b3d52
Create Date: 2026-12-01 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e2f3a4b6c"
down_revision: str | None = "4c9e1a7b3d52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("callback_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("callback_url")
