"""accepted messages: billing's projection of dispatch's accepted messages

Backfilled from the charges already posted, so a reconciliation right after the upgrade
reports only what differs from now on (declined messages left no trace to backfill from).

Revision ID: 3e20f7330468
Revises: c65f9a2c70f9
Create Date: 2026-12-02 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e20f7330468"
down_revision: str | None = "c65f9a2c70f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accepted_messages",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declined", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_accepted_messages")),
    )
    op.create_index(op.f("ix_accepted_messages_account_id"), "accepted_messages", ["account_id"])
    op.execute(
        "INSERT INTO accepted_messages (message_id, account_id, parts, accepted_at, declined) "
        "SELECT message_id, account_id, parts, created_at, false FROM ledger_transactions "
        "WHERE kind = 'charge' AND message_id IS NOT NULL AND parts IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_accepted_messages_account_id"), table_name="accepted_messages")
    op.drop_table("accepted_messages")
