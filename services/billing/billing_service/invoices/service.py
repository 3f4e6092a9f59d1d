"""Invoices for bank transfer, paid by operators' word, and monthly acts. Nothing here
commits: the caller's session does, with the outbox."""

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.companies.config import Companies, CompanyConfig
from billing_service.companies.service import company_of
from billing_service.companies.vat import rate_text, vat_units
from billing_service.db import Outbox
from billing_service.invoices.models import DocumentKind, Invoice
from billing_service.invoices.numbering import format_number, next_number
from billing_service.ledger.money import format_units
from billing_service.ledger.repository import LedgerRepository
from billing_service.payments.amounts import check_currency, parse_amount
from billing_service.payments.crediting import credit_account
from billing_service.payments.service import AccountNotOpen
from billing_service.postpaid import service as postpaid
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound, ProblemError
from shared.events import AuditRecorded, InvoiceIssued, PaymentReceived, utcnow
from shared.outbox import add_event
from shared.security import Principal


class InvoiceAlreadyPaid(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "invoice_already_paid", "Invoice already paid", "The balance was credited once"
        )


class NotAnInvoice(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "not_payable", "Not payable", "An act records services; it is not paid"
        )


def _snapshot(company: CompanyConfig) -> dict[str, Any]:
    return company.model_dump(mode="json", exclude={"serves_countries"})


def line(description: str, quantity: int, net_units: int, company: CompanyConfig) -> dict[str, Any]:
    rate = company.vat_rate
    return {
        "description": description,
        "quantity": quantity,
        "net_units": net_units,
        "vat_rate": rate_text(rate),
        "vat_units": vat_units(net_units, rate),
    }


async def issue_document(
    session: AsyncSession,
    company: CompanyConfig,
    account_id: UUID,
    document: DocumentKind,
    lines: list[dict[str, Any]],
    *,
    issued_at: datetime,
    due_date: date | None = None,
    period: str | None = None,
) -> Invoice:
    year = issued_at.year
    sequence = await next_number(session, company.code, document, year)
    net = sum(item["net_units"] for item in lines)
    vat = sum(item["vat_units"] for item in lines)
    invoice = Invoice(
        account_id=account_id,
        document=document,
        company_code=company.code,
        year=year,
        sequence=sequence,
        number=format_number(company.invoice_prefix, document, year, sequence),
        period=period,
        currency=company.currency,
        net_units=net,
        vat_units=vat,
        total_units=net + vat,
        lines=lines,
        company=_snapshot(company),
        status="issued",
        issued_at=issued_at,
        due_date=due_date,
    )
    session.add(invoice)
    await session.flush()
    add_event(
        session,
        Outbox,
        InvoiceIssued(
            account_id=account_id,
            invoice_id=invoice.id,
            number=invoice.number,
            document=document,
            total=format_units(invoice.total_units),
            currency=invoice.currency,
            due_date=due_date,
        ),
    )
    return invoice


async def issue_invoice(
    session: AsyncSession,
    companies: Companies,
    account_id: UUID,
    amount: str,
    currency: str | None,
    due_days: int,
) -> Invoice:
    """An invoice to prepay `amount` (net) by bank transfer; the customer pays it plus VAT."""
    amount_units = parse_amount(amount)
    balance = await LedgerRepository(session).balance(account_id)
    if balance is None:
        raise AccountNotOpen()
    company = await company_of(session, companies, account_id)
    check_currency(currency, balance.currency)
    now = utcnow()
    return await issue_document(
        session,
        company,
        account_id,
        "invoice",
        [line("Prepayment for SMS services", 1, amount_units, company)],
        issued_at=now,
        # The company's payment terms when it has its own (R15), else the service's.
        due_date=(now + timedelta(days=company.payment_terms_days or due_days)).date(),
    )


async def list_invoices(
    session: AsyncSession, account_id: UUID, limit: int, cursor: str | None
) -> tuple[list[Invoice], str | None]:
    """Newest first by (issued_at, id): keyset pages, stable while documents are issued."""
    statement = select(Invoice).where(Invoice.account_id == account_id)
    if cursor:
        at, last_id = decode_cursor(cursor)
        statement = statement.where(tuple_(Invoice.issued_at, Invoice.id) < tuple_(at, last_id))
    statement = statement.order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit + 1)
    invoices = list((await session.scalars(statement)).all())
    if len(invoices) <= limit:
        return invoices, None
    last = invoices[limit - 1]
    return invoices[:limit], encode_cursor(last.issued_at, last.id)


async def find_invoices(
    session: AsyncSession,
    number: str | None,
    account_id: UUID | None,
    status: str | None,
    limit: int,
) -> list[Invoice]:
    """For operators matching a bank transfer's reference (the number) to its invoice."""
    statement = select(Invoice).where(Invoice.document == "invoice")
    if number is not None:
        statement = statement.where(Invoice.number == number)
    if account_id is not None:
        statement = statement.where(Invoice.account_id == account_id)
    if status is not None:
        statement = statement.where(Invoice.status == status)
    statement = statement.order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit)
    return list((await session.scalars(statement)).all())


async def invoice_of(session: AsyncSession, account_id: UUID, invoice_id: UUID) -> Invoice:
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or invoice.account_id != account_id:
        raise NotFound("Invoice")
    return invoice


async def mark_paid(session: AsyncSession, operator: Principal, invoice_id: UUID) -> Invoice:
    """Credit the invoice's net amount once. The row lock makes two operators' clicks wait
    for each other; the second sees `paid` (and the credit's key would refuse it anyway)."""
    invoice = await session.scalar(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
    )
    if invoice is None:
        raise NotFound("Invoice")
    if invoice.document != "invoice":
        raise NotAnInvoice()
    if invoice.status == "paid":
        raise InvoiceAlreadyPaid()
    credited = await credit_account(
        session,
        account_id=invoice.account_id,
        amount_units=invoice.net_units,
        kind="invoice_payment",
        idempotency_key=f"invoice:{invoice.id}",
        currency=invoice.currency,
    )
    if not credited:
        raise InvoiceAlreadyPaid()
    invoice.status = "paid"
    invoice.paid_at = utcnow()
    invoice.paid_by = f"operator:{operator.subject}"[:160]
    await postpaid.after_invoice_paid(session, invoice)
    add_event(
        session,
        Outbox,
        PaymentReceived(
            account_id=invoice.account_id,
            payment_id=invoice.id,
            method="bank_transfer",
            amount=format_units(invoice.net_units),
            currency=invoice.currency,
        ),
    )
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=invoice.account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="billing.invoice_paid",
            object_type="invoice",
            object_id=str(invoice.id),
            details={"number": invoice.number},
        ),
    )
    return invoice
