"""concat references per destination

Revision ID: 5b0c2e7d9a41
Revises: 5b1e7c0a9d42
Create Date: 2026-12-01 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b0c2e7d9a41"
down_revision: str | None = "5b1e7c0a9d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "concat_references",
        sa.Column("to_number", sa.String(length=16), nullable=False),
        sa.Column("last_reference", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("to_number", name=op.f("pk_concat_references")),
    )


def downgrade() -> None:
    op.drop_table("concat_references")
