"""smsc link on parts, receipts and MOs; match status of receipts; MO fingerprint

Revision ID: 7a4f7fcc7f9a
Revises: ba38abaa2b4e
Create Date: 2026-12-01 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a4f7fcc7f9a"
down_revision: str | None = "ba38abaa2b4e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _link() -> sa.Column[str]:
    # Everything stored so far came over the one link there was.
    return sa.Column("smsc", sa.String(length=64), server_default="default", nullable=False)


def upgrade() -> None:
    # SMSC ids are unique per link only, so the link becomes part of a part's key.
    with op.batch_alter_table("submitted_parts", schema=None) as batch_op:
        batch_op.add_column(_link())
        batch_op.drop_constraint("pk_submitted_parts", type_="primary")
        batch_op.create_primary_key("pk_submitted_parts", ["smsc", "smsc_key"])

    with op.batch_alter_table("pending_receipts", schema=None) as batch_op:
        batch_op.add_column(_link())

    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "match_status", sa.String(length=16), server_default="matched", nullable=False
            )
        )
        batch_op.add_column(_link())
        batch_op.add_column(sa.Column("candidates", sa.JSON(), nullable=True))
    # Until now only receipts without any id were recorded without a part.
    op.execute("UPDATE receipts SET match_status = 'unidentified' WHERE message_id IS NULL")

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(_link())
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_fingerprint"), ["fingerprint"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_fingerprint"))
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("smsc")

    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_column("candidates")
        batch_op.drop_column("smsc")
        batch_op.drop_column("match_status")

    with op.batch_alter_table("pending_receipts", schema=None) as batch_op:
        batch_op.drop_column("smsc")

    # Parts of other links would collide on the old key: only the default link's remain.
    op.execute("DELETE FROM submitted_parts WHERE smsc <> 'default'")
    with op.batch_alter_table("submitted_parts", schema=None) as batch_op:
        batch_op.drop_constraint("pk_submitted_parts", type_="primary")
        batch_op.create_primary_key("pk_submitted_parts", ["smsc_key"])
        batch_op.drop_column("smsc")
