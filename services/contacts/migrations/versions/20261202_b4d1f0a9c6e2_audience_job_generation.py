"""campaign audience jobs: the generation of dispatch's request being answered

Revision ID: b4d1f0a9c6e2
Revises: 8c3e5a7d2b19
Create Date: 2026-12-02 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4d1f0a9c6e2"
down_revision: str | None = "8c3e5a7d2b19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "campaign_audience_jobs",
        sa.Column("generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("campaign_audience_jobs", "generation")
