"""sending windows

Revision ID: a3c8d5e6f7b9
Revises: f2b7c4d5e6a8
Create Date: 2026-12-01 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3c8d5e6f7b9"
down_revision: str | None = "f2b7c4d5e6a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sending_windows",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("start_minute", sa.SmallInteger(), nullable=False),
        sa.Column("end_minute", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_sending_windows")),
    )


def downgrade() -> None:
    op.drop_table("sending_windows")
