"""privacy erasures and erased numbers

Revision ID: 1eade8876471
Revises: 5fa357d80354
Create Date: 2026-12-02 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1eade8876471"
down_revision: str | None = "5fa357d80354"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_erasures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasures")),
    )
    op.create_index(op.f("ix_privacy_erasures_account_id"), "privacy_erasures", ["account_id"])
    op.create_table(
        "privacy_erasure_parts",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["erasure_id"],
            ["privacy_erasures.id"],
            name=op.f("fk_privacy_erasure_parts_erasure_id_privacy_erasures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("erasure_id", "service", name=op.f("pk_privacy_erasure_parts")),
    )
    op.create_table(
        "erased_numbers",
        sa.Column("erasure_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("number_digest", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("erasure_id", name=op.f("pk_erased_numbers")),
    )
    op.create_index(op.f("ix_erased_numbers_number_digest"), "erased_numbers", ["number_digest"])


def downgrade() -> None:
    op.drop_index(op.f("ix_erased_numbers_number_digest"), table_name="erased_numbers")
    op.drop_table("erased_numbers")
    op.drop_table("privacy_erasure_parts")
    op.drop_index(op.f("ix_privacy_erasures_account_id"), table_name="privacy_erasures")
    op.drop_table("privacy_erasures")
