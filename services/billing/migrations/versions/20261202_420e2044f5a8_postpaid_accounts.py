"""postpaid accounts: a credit limit on the balance, overdue invoices

Revision ID: 420e2044f5a8
Revises: 3e20f7330468
Create Date: 2026-12-02 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "420e2044f5a8"
down_revision: str | None = "3e20f7330468"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch: SQLite (make dev) rebuilds the table to change its checks.
    with op.batch_alter_table("balances") as batch_op:
        batch_op.add_column(
            sa.Column("postpaid", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("credit_limit_units", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint(op.f("ck_balances_amount_not_negative"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_balances_within_credit_limit"), "amount_units >= -credit_limit_units"
        )
        batch_op.create_check_constraint(
            op.f("ck_balances_credit_limit_not_negative"), "credit_limit_units >= 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_balances_credit_only_postpaid"), "postpaid OR credit_limit_units = 0"
        )
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.add_column(sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True))
    # The overdue job's search: unpaid invoices by due date.
    op.create_index("ix_invoices_status_due_date", "invoices", ["status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_invoices_status_due_date", table_name="invoices")
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("overdue_at")
    with op.batch_alter_table("balances") as batch_op:
        batch_op.drop_constraint(op.f("ck_balances_credit_only_postpaid"), type_="check")
        batch_op.drop_constraint(op.f("ck_balances_credit_limit_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_balances_within_credit_limit"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_balances_amount_not_negative"), "amount_units >= 0"
        )
        batch_op.drop_column("credit_limit_units")
        batch_op.drop_column("postpaid")
