"""privacy exports

Revision ID: 5fa357d80354
Revises: 37ca1731995c
Create Date: 2026-12-02 01:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5fa357d80354"
down_revision: str | None = "37ca1731995c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_exports")),
    )
    op.create_index("ix_privacy_exports_state", "privacy_exports", ["state"])


def downgrade() -> None:
    op.drop_index("ix_privacy_exports_state", table_name="privacy_exports")
    op.drop_table("privacy_exports")
