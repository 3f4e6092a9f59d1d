"""Money as integer ten-thousandths: exact on SQLite and PostgreSQL alike, never a float.

Decimal is used only at the edges, to read settings and to render amounts for people.
"""

from dataclasses import dataclass
from decimal import Decimal

from billing_service.config import BillingSettings

UNITS_PER_WHOLE = 10_000
_FRACTION_DIGITS = 4


def to_units(amount: Decimal) -> int:
    scaled = amount.scaleb(_FRACTION_DIGITS)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {_FRACTION_DIGITS} fraction digits")
    return int(scaled)


def format_units(units: int) -> str:
    """'10.00', '9.95', '9.8675': at least cents, and every digit that isn't a trailing zero."""
    whole, fraction = divmod(abs(units), UNITS_PER_WHOLE)
    digits = f"{fraction:0{_FRACTION_DIGITS}d}".rstrip("0").ljust(2, "0")
    sign = "-" if units < 0 else ""
    return f"{sign}{whole}.{digits}"


@dataclass(frozen=True)
class Pricing:
    starter_credit_units: int
    price_per_part_units: int
    currency: str

    @classmethod
    def from_settings(cls, settings: BillingSettings) -> "Pricing":
        return cls(
            starter_credit_units=to_units(settings.starter_credit),
            price_per_part_units=to_units(settings.price_per_part),
            currency=settings.currency,
        )

    def cost_of(self, segments: int) -> int:
        return segments * self.price_per_part_units
