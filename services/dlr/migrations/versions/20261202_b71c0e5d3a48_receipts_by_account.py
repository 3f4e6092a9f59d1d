"""receipts by account, for the retention job's closed-account sweep

Revision ID: b71c0e5d3a48
Revises: 5a7e3c1f9d24
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b71c0e5d3a48"
down_revision: str | None = "5a7e3c1f9d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_receipts_account_id", "receipts", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_receipts_account_id", table_name="receipts")
