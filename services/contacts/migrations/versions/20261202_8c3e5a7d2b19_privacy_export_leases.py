"""privacy exports: a lease per claim, so an export whose worker died is resumed

Revision ID: 8c3e5a7d2b19
Revises: 31f0168ddabd
Create Date: 2026-12-02 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c3e5a7d2b19"
down_revision: str | None = "31f0168ddabd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("privacy_exports", sa.Column("lease_owner", sa.Uuid(), nullable=True))
    op.add_column(
        "privacy_exports", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "privacy_exports",
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("privacy_exports", "attempts")
    op.drop_column("privacy_exports", "lease_until")
    op.drop_column("privacy_exports", "lease_owner")
