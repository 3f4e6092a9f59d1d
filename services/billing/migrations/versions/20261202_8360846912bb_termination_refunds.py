"""termination refunds: refund requests of closed accounts and their ledger kinds

Revision ID: 8360846912bb
Revises: 420e2044f5a8
Create Date: 2026-12-02 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8360846912bb"
down_revision: str | None = "420e2044f5a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "kind IN ('starter_credit', 'charge', 'refund', 'top_up', 'invoice_payment', "
    "'manual_adjustment', 'penalty')"
)
NEW_KINDS = (
    "kind IN ('starter_credit', 'charge', 'refund', 'top_up', 'invoice_payment', "
    "'manual_adjustment', 'penalty', 'termination_refund', 'refund_payout', "
    "'refund_returned')"
)
STATES = "state IN ('awaiting_details', 'requested', 'paid', 'rejected', 'withdrawn')"


def upgrade() -> None:
    with op.batch_alter_table("ledger_transactions") as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_transactions_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_transactions_kind"), NEW_KINDS)
    op.create_table(
        "refund_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("close_event_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("amount_units", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("details_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=160), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(STATES, name=op.f("ck_refund_requests_state")),
        sa.CheckConstraint(
            "amount_units >= 0", name=op.f("ck_refund_requests_amount_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_requests")),
        sa.UniqueConstraint("close_event_id", name=op.f("uq_refund_requests_close_event_id")),
    )
    op.create_index("ix_refund_requests_account_id", "refund_requests", ["account_id"])
    op.create_index("ix_refund_requests_state_due_on", "refund_requests", ["state", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_refund_requests_state_due_on", table_name="refund_requests")
    op.drop_index("ix_refund_requests_account_id", table_name="refund_requests")
    op.drop_table("refund_requests")
    with op.batch_alter_table("ledger_transactions") as batch_op:
        batch_op.drop_constraint(op.f("ck_ledger_transactions_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ledger_transactions_kind"), OLD_KINDS)
