"""contact groups

Revision ID: dfcb0faf9baa
Revises: 958f550fbc10
Create Date: 2026-12-01 17:52:34.145485
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dfcb0faf9baa"
down_revision: str | None = "958f550fbc10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Groups of one account's contacts; a membership goes with its group or its contact.
    op.create_table(
        "contact_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_groups")),
        sa.UniqueConstraint("account_id", "name", name="uq_contact_groups_account_id_name"),
    )
    op.create_table(
        "contact_group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_group_members_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["contact_groups.id"],
            name=op.f("fk_contact_group_members_group_id_contact_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "contact_id", name=op.f("pk_contact_group_members")),
    )
    with op.batch_alter_table("contact_group_members", schema=None) as batch_op:
        batch_op.create_index("ix_contact_group_members_contact_id", ["contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_group_members", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_group_members_contact_id")

    op.drop_table("contact_group_members")
    op.drop_table("contact_groups")
