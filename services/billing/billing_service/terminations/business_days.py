"""Business days for the refund deadline: Monday to Friday. Public holidays are not
skipped: they differ per country of the contracting company, and a deadline a holiday
early errs on the customer's side (docs/billing.md)."""

from datetime import date, timedelta

REFUND_BUSINESS_DAYS = 10


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (which itself does not count)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
