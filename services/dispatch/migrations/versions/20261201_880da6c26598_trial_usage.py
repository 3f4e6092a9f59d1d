"""trial usage

Revision ID: 880da6c26598
Revises: 60bb9a9f92c5
Create Date: 2026-12-01 10:42:53.143666
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "880da6c26598"
down_revision: str | None = "60bb9a9f92c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trial_usage",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_trial_usage")),
    )


def downgrade() -> None:
    op.drop_table("trial_usage")
