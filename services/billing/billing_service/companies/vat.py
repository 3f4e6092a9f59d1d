"""VAT per invoice line, the rule docs/billing-documents.md states: the line's net amount
times the rate, rounded half up to the currency's minor unit (the cent). A document's VAT is
the sum of its lines' VAT, never the total's VAT recomputed: each line stays as printed."""

from decimal import ROUND_HALF_UP, Decimal

from billing_service.ledger.money import UNITS_PER_WHOLE

# Units (ten-thousandths) per cent: documents are printed and paid in cents.
UNITS_PER_CENT = UNITS_PER_WHOLE // 100


def vat_units(net_units: int, rate_percent: Decimal | None) -> int:
    if rate_percent is None or net_units == 0:
        return 0
    cents = (Decimal(net_units) * rate_percent / 100 / UNITS_PER_CENT).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(cents) * UNITS_PER_CENT


def round_to_cents(units: int) -> int:
    """An act's net from charges priced in ten-thousandths, half up to the cent."""
    cents = (Decimal(units) / UNITS_PER_CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(cents) * UNITS_PER_CENT


def rate_text(rate_percent: Decimal | None) -> str | None:
    """'20', '7.7': the rate as printed (normalize() alone would say '2E+1')."""
    return None if rate_percent is None else f"{rate_percent.normalize():f}"
