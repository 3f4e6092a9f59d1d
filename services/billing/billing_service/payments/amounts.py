"""Amounts people pay: positive, whole cents, bounded. Anything else is refused before a
payment or an invoice exists, so no money can be created from a malformed number."""

from decimal import Decimal, InvalidOperation

from billing_service.ledger.money import to_units
from shared.errors import ProblemError

MAX_AMOUNT = Decimal("1000000.00")


class InvalidAmount(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_amount", "Invalid amount", detail)


class CurrencyMismatch(ProblemError):
    def __init__(self, given: str, expected: str) -> None:
        super().__init__(
            422,
            "currency_mismatch",
            "Currency not used by the account",
            f"The account pays in {expected}, not {given}",
        )


def parse_amount(raw: str) -> int:
    """A decimal string ("150.00") in ten-thousandths; strings, not JSON numbers, so no
    float ever rounds a payment."""
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise InvalidAmount(f"{raw!r} is not a decimal number") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidAmount("The amount must be more than zero")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(f"The amount must be at most {MAX_AMOUNT}")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidAmount("The amount has more than 2 fraction digits (whole cents only)")
    return to_units(amount)


def check_currency(given: str | None, expected: str) -> None:
    if given is not None and given != expected:
        raise CurrencyMismatch(given, expected)
