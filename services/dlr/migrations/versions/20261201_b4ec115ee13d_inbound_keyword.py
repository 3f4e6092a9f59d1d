"""inbound keyword

Revision ID: b4ec115ee13d
Revises: 204b8c6cd15c
Create Date: 2026-12-01 17:49:59.661602
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b4ec115ee13d"
down_revision: str | None = "204b8c6cd15c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keyword", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("keyword")
