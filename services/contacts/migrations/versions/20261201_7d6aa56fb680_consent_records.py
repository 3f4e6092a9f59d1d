"""consent records

Revision ID: 7d6aa56fb680
Revises: 5e18eca7f5db
Create Date: 2026-12-01 18:25:30.577075
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d6aa56fb680"
down_revision: str | None = "5e18eca7f5db"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Append-only grants and withdrawals per account, number and purpose (R11); a record
    # outlives its contact's erasure, so an opt-out holds for the number.
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_consent_records_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_records_account_id_phone_purpose_recorded_at",
            ["account_id", "phone", "purpose", "recorded_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_consent_records_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_contact_id"))
        batch_op.drop_index("ix_consent_records_account_id_phone_purpose_recorded_at")

    op.drop_table("consent_records")
