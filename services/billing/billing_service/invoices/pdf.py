"""Invoices and acts as PDF (fpdf2), drawn from what the document stored when issued."""

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from billing_service.invoices.models import Invoice
from billing_service.ledger.money import format_units

_TITLES = {"invoice": "Invoice", "act": "Act of services rendered"}
# PDF's core fonts are Latin-1 only: a Russian or Greek company's name, a customer's Polish
# address would print as '?'. DejaVu (shipped beside this module, its licence in fonts/) covers
# Latin, Cyrillic and Greek; fpdf2 embeds only the glyphs a document uses.
_FONTS = Path(__file__).parent / "fonts"
_FAMILY = "DejaVu"


def _new_pdf() -> FPDF:
    pdf = FPDF()
    pdf.add_font(_FAMILY, "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    return pdf


def render(invoice: Invoice) -> bytes:
    company = invoice.company
    pdf = _new_pdf()
    pdf.set_title(f"{_TITLES[invoice.document]} {invoice.number}")
    pdf.add_page()
    pdf.set_font(_FAMILY, "B", 16)
    pdf.cell(
        0,
        10,
        str(f"{_TITLES[invoice.document]} {invoice.number}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(_FAMILY, size=10)
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
        pdf.cell(0, 6, str(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    widths = (80, 20, 30, 20, 30)
    pdf.set_font(_FAMILY, "B", 10)
    for width, title in zip(widths, ("Description", "Qty", "Net", "VAT %", "VAT"), strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font(_FAMILY, size=10)
    for line in invoice.lines:
        cells = (
            line["description"],
            str(line["quantity"]),
            format_units(line["net_units"]),
            line["vat_rate"] or "no VAT",
            format_units(line["vat_units"]),
        )
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 7, str(cell), border=1)
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
            str(f"{label}: {format_units(units)} {currency}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    if invoice.document == "invoice":
        pdf.ln(4)
        pdf.multi_cell(
            0,
            6,
            str(f"Pay by bank transfer to: {company['bank_details']}\nReference: {invoice.number}"),
        )
    return bytes(pdf.output())
