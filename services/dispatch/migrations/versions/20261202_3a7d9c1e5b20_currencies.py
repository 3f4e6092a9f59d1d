"""currencies: a tariff version's and an account's, so the tariff gate picks the public
tariff of the account's currency (issue 10 item 5)

Revision ID: 3a7d9c1e5b20
Revises: 7f3e21c5a9b0
Create Date: 2026-12-02 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3a7d9c1e5b20"
down_revision: str | None = "7f3e21c5a9b0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: rows stored from events said before currencies were (None: any currency).
    op.add_column("tariff_coverage", sa.Column("currency", sa.String(length=3), nullable=True))
    op.add_column(
        "account_company_countries", sa.Column("currency", sa.String(length=3), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("account_company_countries", "currency")
    op.drop_column("tariff_coverage", "currency")
