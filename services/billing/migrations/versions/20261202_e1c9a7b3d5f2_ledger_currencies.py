"""ledger currencies: every transaction and posting says its currency; one public tariff per
currency

Revision ID: e1c9a7b3d5f2
Revises: 5b1f0c7d9e42
Create Date: 2026-12-02 13:10:00.000000
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e1c9a7b3d5f2"
down_revision: str | None = "5b1f0c7d9e42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledger_transactions", sa.Column("currency", sa.String(3), nullable=True))
    op.add_column("ledger_postings", sa.Column("currency", sa.String(3), nullable=True))
    # Until now every balance, and so every movement, was in one currency: the balance's.
    op.execute(
        "UPDATE ledger_transactions SET currency = (SELECT balances.currency FROM balances "
        "WHERE balances.account_id = ledger_transactions.account_id)"
    )
    # A transaction without a balance can't have been posted; BILLING_CURRENCY all the same.
    leftover = os.environ.get("BILLING_CURRENCY", "EUR")
    op.execute(
        sa.text("UPDATE ledger_transactions SET currency = :c WHERE currency IS NULL").bindparams(
            c=leftover
        )
    )
    op.execute(
        "UPDATE ledger_postings SET currency = (SELECT t.currency FROM ledger_transactions t "
        "WHERE t.id = ledger_postings.transaction_id)"
    )
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.alter_column("currency", existing_type=sa.String(3), nullable=False)
    with op.batch_alter_table("ledger_postings") as batch:
        batch.alter_column("currency", existing_type=sa.String(3), nullable=False)
    # One public tariff per currency (plans stay one per account, uq_tariffs_account_id).
    op.create_index(
        "uq_tariffs_public_currency",
        "tariffs",
        ["currency"],
        unique=True,
        postgresql_where=sa.text("account_id IS NULL"),
        sqlite_where=sa.text("account_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_tariffs_public_currency", table_name="tariffs")
    with op.batch_alter_table("ledger_postings") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.drop_column("currency")
