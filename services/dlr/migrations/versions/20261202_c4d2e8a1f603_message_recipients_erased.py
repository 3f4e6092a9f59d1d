"""message recipients outlive an erasure of their number, marked erased without the digest,
so that a receipt replayed or arriving late for an erased message is stored redacted

Revision ID: c4d2e8a1f603
Revises: b71c0e5d3a48
Create Date: 2026-12-02 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d2e8a1f603"
down_revision: str | None = "b71c0e5d3a48"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_recipients") as batch_op:
        batch_op.alter_column("number_digest", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM message_recipients WHERE number_digest IS NULL")
    with op.batch_alter_table("message_recipients") as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.alter_column("number_digest", existing_type=sa.String(length=64), nullable=False)
