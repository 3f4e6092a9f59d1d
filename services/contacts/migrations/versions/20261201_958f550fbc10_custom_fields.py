"""custom fields

Revision ID: 958f550fbc10
Revises: 1d59dafe79ab
Create Date: 2026-12-01 17:48:05.282378
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "958f550fbc10"
down_revision: str | None = "1d59dafe79ab"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An account's own contact fields; a contact's values go with their field or contact.
    op.create_table(
        "custom_fields",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key", name=op.f("pk_custom_fields")),
    )
    op.create_table(
        "contact_values",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "key"],
            ["custom_fields.account_id", "custom_fields.key"],
            name=op.f("fk_contact_values_account_id_custom_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_values_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "key", name=op.f("pk_contact_values")),
    )
    with op.batch_alter_table("contact_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_values_account_id_key", ["account_id", "key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_values", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_values_account_id_key")

    op.drop_table("contact_values")
    op.drop_table("custom_fields")
