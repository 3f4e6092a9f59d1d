from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from billing_service.invoices.models import DocumentKind, Invoice, InvoiceStatus
from billing_service.ledger.money import format_units


class InvoiceCreate(BaseModel):
    amount: str = Field(
        max_length=32,
        description="Net decimal string the balance gets when paid: more than zero, whole "
        "cents; VAT is added on the invoice",
        examples=["500.00"],
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="Omitted: the account's currency"
    )


class InvoiceLine(BaseModel):
    description: str
    quantity: int
    net: str
    vat_rate: str | None = Field(description="Percent; null: no VAT")
    vat: str


class InvoiceResponse(BaseModel):
    id: UUID
    document: DocumentKind
    number: str
    company: str = Field(description="The contracting company's legal name")
    status: InvoiceStatus
    period: str | None = Field(
        description="An act's month, or the month a postpaid debt invoice is for, YYYY-MM"
    )
    currency: str
    net: str
    vat: str
    total: str
    lines: list[InvoiceLine]
    issued_at: datetime
    due_date: date | None
    paid_at: datetime | None
    pdf_url: str

    @classmethod
    def of(cls, invoice: Invoice) -> "InvoiceResponse":
        return cls(
            id=invoice.id,
            document=invoice.document,
            number=invoice.number,
            company=invoice.company["legal_name"],
            status=invoice.status,
            period=invoice.period,
            currency=invoice.currency,
            net=format_units(invoice.net_units),
            vat=format_units(invoice.vat_units),
            total=format_units(invoice.total_units),
            lines=[
                InvoiceLine(
                    description=item["description"],
                    quantity=item["quantity"],
                    net=format_units(item["net_units"]),
                    vat_rate=item["vat_rate"],
                    vat=format_units(item["vat_units"]),
                )
                for item in invoice.lines
            ],
            issued_at=invoice.issued_at,
            due_date=invoice.due_date,
            paid_at=invoice.paid_at,
            pdf_url=f"/v1/billing/invoices/{invoice.id}.pdf",
        )


class InvoiceList(BaseModel):
    items: list[InvoiceResponse]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for older documents; null on the last page"
    )


class OpsInvoice(InvoiceResponse):
    account_id: UUID


class OpsInvoiceList(BaseModel):
    items: list[OpsInvoice]
