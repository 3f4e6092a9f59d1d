"""The termination refund's deadline: 10 business days, weekends skipped (issue 10 item 7)."""

from datetime import date

import pytest

from billing_service.terminations.business_days import add_business_days


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 12, 7), date(2026, 12, 21)),  # a Monday: two whole weeks
        (date(2026, 12, 4), date(2026, 12, 18)),  # a Friday
        (date(2026, 12, 5), date(2026, 12, 18)),  # a Saturday counts from Monday
        (date(2026, 12, 6), date(2026, 12, 18)),  # a Sunday too
        (date(2026, 12, 24), date(2027, 1, 7)),  # holidays are not skipped (docs/billing.md)
    ],
)
def test_ten_business_days_skip_weekends(start: date, due: date) -> None:
    assert add_business_days(start, 10) == due
    assert due.weekday() < 5
