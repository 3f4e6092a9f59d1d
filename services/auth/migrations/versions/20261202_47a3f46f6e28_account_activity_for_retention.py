"""account activity for retention

Revision ID: 47a3f46f6e28
Revises: 92689b301a6a
Create Date: 2026-12-02 01:08:49.415605
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "47a3f46f6e28"
down_revision: str | None = "92689b301a6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing accounts start with null: their creation counts until they are next used.
    op.add_column("accounts", sa.Column("last_active_at", sa.DateTime(timezone=True)))
    op.add_column("accounts", sa.Column("inactivity_notice_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.drop_column("inactivity_notice_at")
        batch_op.drop_column("last_active_at")
