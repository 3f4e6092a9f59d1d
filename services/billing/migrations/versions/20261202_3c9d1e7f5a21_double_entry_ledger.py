"""double-entry ledger: transactions of balanced postings; low-balance threshold

Every ledger entry becomes a transaction (same id, key, kind, amount) with two postings: the
customer's balance and the platform's counter account (promotions for starter credit, revenue
for charges). Balances get the low-balance threshold, the last credit and the flag.

Revision ID: 3c9d1e7f5a21
Revises: 5b7e2c1d9a40
Create Date: 2026-12-02 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9d1e7f5a21"
down_revision: str | None = "5b7e2c1d9a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "kind IN ('starter_credit', 'charge', 'refund', 'top_up', 'invoice_payment', "
    "'manual_adjustment', 'penalty')"
)
BOOKS = (
    "book IN ('balance', 'revenue', 'vat_payable', 'payment_clearing', 'refunds_payable', "
    "'promotions')"
)


def upgrade() -> None:
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_units", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("parts", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("sender", sa.String(length=32), nullable=True),
        sa.Column("memo", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_ledger_transactions_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_transactions_idempotency_key")),
    )
    op.create_index(
        "ix_ledger_transactions_account_id_created_at",
        "ledger_transactions",
        ["account_id", "created_at"],
    )
    op.create_index("ix_ledger_transactions_message_id", "ledger_transactions", ["message_id"])
    op.create_table(
        "ledger_postings",
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.SmallInteger(), nullable=False),
        sa.Column("book", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("amount_units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(BOOKS, name=op.f("ck_ledger_postings_book")),
        sa.CheckConstraint("amount_units <> 0", name=op.f("ck_ledger_postings_amount_not_zero")),
        sa.CheckConstraint(
            "(book = 'balance') = (account_id IS NOT NULL)",
            name=op.f("ck_ledger_postings_balance_has_account"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_postings_transaction_id_ledger_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line", name=op.f("pk_ledger_postings")),
    )
    op.create_index("ix_ledger_postings_account_id", "ledger_postings", ["account_id"])
    op.execute(
        "INSERT INTO ledger_transactions"
        " (id, account_id, kind, amount_units, idempotency_key, message_id, created_at)"
        " SELECT id, account_id, kind, amount_units, idempotency_key, message_id, created_at"
        " FROM ledger_entries"
    )
    op.execute(
        "INSERT INTO ledger_postings (transaction_id, line, book, account_id, amount_units)"
        " SELECT id, 1, 'balance', account_id, amount_units FROM ledger_entries"
        " WHERE amount_units <> 0"
    )
    op.execute(
        "INSERT INTO ledger_postings (transaction_id, line, book, account_id, amount_units)"
        " SELECT id, 2, CASE kind WHEN 'charge' THEN 'revenue' ELSE 'promotions' END, NULL,"
        " -amount_units FROM ledger_entries WHERE amount_units <> 0"
    )
    op.drop_index("ix_ledger_entries_account_id_created_at", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    with op.batch_alter_table("balances") as batch_op:
        batch_op.add_column(sa.Column("low_threshold_units", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("last_credit_units", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("low_flagged", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # The starter credit was each account's only credit so far: it sets the default threshold.
    op.execute(
        "UPDATE balances SET last_credit_units = COALESCE((SELECT t.amount_units"
        " FROM ledger_transactions t WHERE t.kind = 'starter_credit'"
        " AND t.account_id = balances.account_id), 0)"
    )


def downgrade() -> None:
    # Only starter credits and charges existed before; refunds and credits fold into nothing
    # that table could hold, so going back loses them (the balances keep their amounts).
    with op.batch_alter_table("balances") as batch_op:
        batch_op.drop_column("low_flagged")
        batch_op.drop_column("last_credit_units")
        batch_op.drop_column("low_threshold_units")
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("amount_units", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('starter_credit', 'charge')", name=op.f("ck_ledger_entries_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entries_idempotency_key")),
    )
    op.create_index(
        "ix_ledger_entries_account_id_created_at", "ledger_entries", ["account_id", "created_at"]
    )
    op.execute(
        "INSERT INTO ledger_entries"
        " (id, account_id, message_id, kind, amount_units, idempotency_key, created_at)"
        " SELECT id, account_id, message_id, kind, amount_units, idempotency_key, created_at"
        " FROM ledger_transactions WHERE kind IN ('starter_credit', 'charge')"
    )
    op.drop_index("ix_ledger_postings_account_id", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_transactions_message_id", table_name="ledger_transactions")
    op.drop_index("ix_ledger_transactions_account_id_created_at", table_name="ledger_transactions")
    op.drop_table("ledger_transactions")
