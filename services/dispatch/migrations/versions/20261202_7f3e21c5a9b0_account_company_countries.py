"""account company countries: each account's contracting company's countries, from billing

Revision ID: 7f3e21c5a9b0
Revises: e6a2c9d4f871
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7f3e21c5a9b0"
down_revision: str | None = "e6a2c9d4f871"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_company_countries",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("company", sa.Text(), nullable=False),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_company_countries")),
    )


def downgrade() -> None:
    op.drop_table("account_company_countries")
