"""smsc routes: a part's attempt link and the links' health

Revision ID: 2354e17d64a0
Revises: d97980eaade7
Create Date: 2026-12-02 01:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2354e17d64a0"
down_revision: str | None = "d97980eaade7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_parts") as batch:
        batch.add_column(sa.Column("attempt_smsc", sa.String(length=64), nullable=True))
    op.create_table(
        "smsc_health",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("binds", sa.Integer(), nullable=False),
        sa.Column("bound_binds", sa.Integer(), nullable=False),
        sa.Column("in_flight", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("circuit", sa.String(length=16), nullable=False),
        sa.Column("failures_in_a_row", sa.Integer(), nullable=False),
        sa.Column("tls", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_smsc_health")),
    )


def downgrade() -> None:
    op.drop_table("smsc_health")
    with op.batch_alter_table("message_parts") as batch:
        batch.drop_column("attempt_smsc")
