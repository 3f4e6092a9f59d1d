"""templates: message texts with placeholders, per account

Revision ID: 81392f087443
Revises: 880da6c26598
Create Date: 2026-12-01 11:30:27.531705
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "81392f087443"
down_revision: str | None = "880da6c26598"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_templates_account_id_name")),
    )


def downgrade() -> None:
    op.drop_table("templates")
