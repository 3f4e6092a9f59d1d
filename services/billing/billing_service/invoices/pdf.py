"""Invoices and acts as PDF (fpdf2), drawn from what the document stored when issued."""

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing_service.invoices.models import Invoice
from billing_service.ledger.money import format_units

_TITLES = {"invoice": "Invoice", "act": "Act of services rendered"}


def _text(value: object) -> str:
    # The core fonts are Latin-1: anything outside it is shown as '?' rather than failing.
    return str(value).encode("latin-1", "replace").decode("latin-1")


def render(invoice: Invoice) -> bytes:
    company = invoice.company
    pdf = FPDF()
    pdf.set_title(f"{_TITLES[invoice.document]} {invoice.number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0,
        10,
        _text(f"{_TITLES[invoice.document]} {invoice.number}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("Helvetica", size=10)
    details = [
        company["legal_name"],
        company["address"],
        f"VAT id: {company.get('vat_id') or '-'}",
        "",
        f"Customer account: {invoice.account_id}",
        f"Issued: {invoice.issued_at:%Y-%m-%d}",
    ]
    if invoice.period:
        details.append(f"Period: {invoice.period}")
    if invoice.due_date:
        details.append(f"Due: {invoice.due_date:%Y-%m-%d}")
    for line in details:
        pdf.cell(0, 6, _text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    widths = (80, 20, 30, 20, 30)
    pdf.set_font("Helvetica", "B", 10)
    for width, title in zip(widths, ("Description", "Qty", "Net", "VAT %", "VAT"), strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=10)
    for line in invoice.lines:
        cells = (
            line["description"],
            str(line["quantity"]),
            format_units(line["net_units"]),
            line["vat_rate"] or "no VAT",
            format_units(line["vat_units"]),
        )
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _text(cell), border=1)
        pdf.ln()
    pdf.ln(4)
    currency = invoice.currency
    for label, units in (
        ("Net total", invoice.net_units),
        ("VAT total", invoice.vat_units),
        ("Total", invoice.total_units),
    ):
        pdf.cell(
            0,
            6,
            _text(f"{label}: {format_units(units)} {currency}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    if invoice.document == "invoice":
        pdf.ln(4)
        pdf.multi_cell(
            0,
            6,
            _text(
                f"Pay by bank transfer to: {company['bank_details']}\nReference: {invoice.number}"
            ),
        )
    return bytes(pdf.output())
