"""destination exceptions

Revision ID: b8392f131098
Revises: 5d1e2f3a4b6c
Create Date: 2026-12-02 00:55:24.205959
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8392f131098"
down_revision: str | None = "5d1e2f3a4b6c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "destination_exceptions",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("allowed_categories", sa.Text(), nullable=False),
        sa.Column("allowed_countries", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_destination_exceptions")),
    )


def downgrade() -> None:
    op.drop_table("destination_exceptions")
