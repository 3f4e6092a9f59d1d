"""campaign audience jobs

Revision ID: 31f0168ddabd
Revises: 1eade8876471
Create Date: 2026-12-02 00:56:36.495739
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "31f0168ddabd"
down_revision: str | None = "1eade8876471"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A campaign's audience being paged out to dispatch (campaign_audience/): the keyset
    # cursor lets a restarted worker go on from its last committed chunk.
    op.create_table(
        "campaign_audience_jobs",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("after_contact_id", sa.Uuid(), nullable=True),
        sa.Column("next_chunk", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_audience_jobs")),
    )
    op.create_index(
        op.f("ix_campaign_audience_jobs_done"), "campaign_audience_jobs", ["done"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_campaign_audience_jobs_done"), table_name="campaign_audience_jobs")
    op.drop_table("campaign_audience_jobs")
