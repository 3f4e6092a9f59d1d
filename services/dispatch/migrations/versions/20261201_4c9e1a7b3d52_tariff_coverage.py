"""tariff coverage: the prefixes of billing's tariff versions, for no_tariff at intake

Revision ID: 4c9e1a7b3d52
Revises: a3c8d5e6f7b9
Create Date: 2026-12-01 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c9e1a7b3d52"
down_revision: str | None = "a3c8d5e6f7b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tariff_coverage",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("tariff_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prefixes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_tariff_coverage")),
    )


def downgrade() -> None:
    op.drop_table("tariff_coverage")
