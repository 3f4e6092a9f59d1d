"""campaigns: how often and when their audience was last asked for, and why one failed

Revision ID: e6a2c9d4f871
Revises: 2354e17d64a0
Create Date: 2026-12-02 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6a2c9d4f871"
down_revision: str | None = "2354e17d64a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "campaigns",
        sa.Column("audience_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "campaigns",
        sa.Column("audience_requests", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "campaigns",
        sa.Column("audience_progress_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("campaigns", sa.Column("failure_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("campaigns", "failure_reason")
    op.drop_column("campaigns", "audience_progress_at")
    op.drop_column("campaigns", "audience_requests")
    op.drop_column("campaigns", "audience_generation")
