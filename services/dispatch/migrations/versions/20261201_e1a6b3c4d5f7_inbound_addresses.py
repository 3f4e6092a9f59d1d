"""inbound addresses for replies

Revision ID: e1a6b3c4d5f7
Revises: a9e4f2c7d315
Create Date: 2026-12-01 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e1a6b3c4d5f7"
down_revision: str | None = "a9e4f2c7d315"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_addresses",
        sa.Column("inbound_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inbound_id", name=op.f("pk_inbound_addresses")),
    )


def downgrade() -> None:
    op.drop_table("inbound_addresses")
