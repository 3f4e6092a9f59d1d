"""payments, invoices and acts, contracting companies

Revision ID: c65f9a2c70f9
Revises: 3c9d1e7f5a21
Create Date: 2026-12-02 00:59:07.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c65f9a2c70f9"
down_revision: str | None = "3c9d1e7f5a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The ledger's transactions already allow the credits' kinds (double-entry ledger).


def upgrade() -> None:
    op.create_table(
        "account_companies",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("company_code", sa.String(length=32), nullable=False),
        sa.Column("assigned_by", sa.String(length=160), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_companies")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("company_code", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_units", sa.BigInteger(), nullable=False),
        sa.Column("vat_units", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name=op.f("ck_payments_status")
        ),
        sa.CheckConstraint("amount_units > 0", name=op.f("ck_payments_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("ix_payments_account_id_created_at", "payments", ["account_id", "created_at"])
    op.create_table(
        "payment_webhook_deliveries",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "provider", "delivery_id", name=op.f("pk_payment_webhook_deliveries")
        ),
    )
    op.create_table(
        "document_counters",
        sa.Column("company_code", sa.String(length=32), nullable=False),
        sa.Column("document", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "company_code", "document", "year", name=op.f("pk_document_counters")
        ),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.String(length=16), nullable=False),
        sa.Column("company_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("net_units", sa.BigInteger(), nullable=False),
        sa.Column("vat_units", sa.BigInteger(), nullable=False),
        sa.Column("total_units", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("company", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sa.String(length=160), nullable=True),
        sa.CheckConstraint("document IN ('invoice', 'act')", name=op.f("ck_invoices_document")),
        sa.CheckConstraint("status IN ('issued', 'paid')", name=op.f("ck_invoices_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "company_code",
            "document",
            "year",
            "sequence",
            name=op.f("uq_invoices_company_code_document_year_sequence"),
        ),
        sa.UniqueConstraint(
            "account_id", "document", "period", name=op.f("uq_invoices_account_id_document_period")
        ),
    )
    op.create_index("ix_invoices_account_id_issued_at", "invoices", ["account_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_invoices_account_id_issued_at", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("document_counters")
    op.drop_table("payment_webhook_deliveries")
    op.drop_index("ix_payments_account_id_created_at", table_name="payments")
    op.drop_table("payments")
    op.drop_table("account_companies")
