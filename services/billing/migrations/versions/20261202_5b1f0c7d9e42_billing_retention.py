"""billing retention: accepted messages by acceptance time, refund requests by decision time

Revision ID: 5b1f0c7d9e42
Revises: 8360846912bb
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b1f0c7d9e42"
down_revision: str | None = "8360846912bb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The retention job's searches: accepted messages past their period, decided refund
    # requests whose bank details are past theirs.
    op.create_index(op.f("ix_accepted_messages_accepted_at"), "accepted_messages", ["accepted_at"])
    op.create_index(op.f("ix_refund_requests_decided_at"), "refund_requests", ["decided_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_refund_requests_decided_at"), table_name="refund_requests")
    op.drop_index(op.f("ix_accepted_messages_accepted_at"), table_name="accepted_messages")
