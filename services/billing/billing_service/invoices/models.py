from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

DocumentKind = Literal["invoice", "act"]
InvoiceStatus = Literal["issued", "paid"]


class DocumentCounter(Base):
    """The last number given per company, kind and year. Incremented by an UPDATE in the
    transaction that inserts the document: concurrent issuers queue on the row, and a
    transaction that fails gives its number back by rolling back, so numbers have no gaps."""

    __tablename__ = "document_counters"

    company_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[DocumentKind] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(Base):
    """An invoice (bank transfer, paid to credit the balance) or a monthly act (services
    rendered). Keeps a copy of the company's details and its lines as issued: the PDF is
    rendered from them, the same every time, whatever the config says later."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("document IN ('invoice', 'act')", name="document"),
        CheckConstraint("status IN ('issued', 'paid')", name="status"),
        UniqueConstraint("company_code", "document", "year", "sequence"),
        # One act per account and month (NULL periods, the invoices', never collide).
        UniqueConstraint("account_id", "document", "period"),
        Index("ix_invoices_account_id_issued_at", "account_id", "issued_at"),
        # The overdue job's search (billing_service.postpaid).
        Index("ix_invoices_status_due_date", "status", "due_date"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    document: Mapped[DocumentKind] = mapped_column(String(16))
    company_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    period: Mapped[str | None] = mapped_column(String(7))  # "2026-11" for an act
    currency: Mapped[str] = mapped_column(String(3))
    net_units: Mapped[int] = mapped_column(BigInteger)
    vat_units: Mapped[int] = mapped_column(BigInteger)
    total_units: Mapped[int] = mapped_column(BigInteger)
    # [{"description", "quantity", "net_units", "vat_rate", "vat_units"}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    company: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[InvoiceStatus] = mapped_column(String(16), default="issued")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    due_date: Mapped[date | None] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_by: Mapped[str | None] = mapped_column(String(160))
    # When the overdue job first found it unpaid past its due date (a postpaid account's):
    # it suspends once per invoice, and paying it lifts the suspension.
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
