"""concat references: when each number's counter was last used, for the retention job

Revision ID: 5c8e1f3a9d47
Revises: 3a7d9c1e5b20
Create Date: 2026-12-02 13:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision: str = "5c8e1f3a9d47"
down_revision: str | None = "3a7d9c1e5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "concat_references", sa.Column("used_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Rows from before: counted from now, so the first week after the upgrade keeps them all.
    # Written through the app's column type, so SQLite stores it as the app reads it.
    table = sa.table("concat_references", sa.column("used_at", UtcDateTime()))
    op.execute(table.update().values(used_at=datetime.now(UTC)))
    with op.batch_alter_table("concat_references") as batch:
        batch.alter_column("used_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_index(
        op.f("ix_concat_references_used_at"), "concat_references", ["used_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_concat_references_used_at"), table_name="concat_references")
    with op.batch_alter_table("concat_references") as batch:
        batch.drop_column("used_at")
