"""An invoice for a company or a customer outside Latin-1 prints their names, not '?'."""

import io
from datetime import UTC, date, datetime
from uuid import uuid4

from pypdf import PdfReader

from billing_service.invoices.models import Invoice
from billing_service.invoices.pdf import render


def test_cyrillic_and_greek_names_print_as_written() -> None:
    invoice = Invoice(
        account_id=uuid4(),
        document="invoice",
        company_code="ru",
        year=2026,
        sequence=7,
        number="RU-2026-000007",
        currency="RUB",
        net_units=1_000_000,
        vat_units=200_000,
        total_units=1_200_000,
        lines=[
            {
                "description": "Пополнение баланса — SMS",
                "quantity": 1,
                "net_units": 1_000_000,
                "vat_rate": "20",
                "vat_units": 200_000,
            }
        ],
        company={
            "legal_name": "ООО «СМС Шлюз»",
            "address": "Москва, ул. Тверская, д. 1; Αθήνα",
            "vat_id": "7701234567",
            "bank_details": "р/с 40702810900000000001",
        },
        issued_at=datetime(2026, 12, 2, tzinfo=UTC),
        due_date=date(2026, 12, 16),
    )

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(invoice))).pages)

    for written in ("ООО «СМС Шлюз»", "Москва, ул. Тверская", "Αθήνα", "Пополнение баланса"):
        assert written in text, written
    assert "?" not in text
