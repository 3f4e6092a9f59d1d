"""The age rule on birth dates: 14 on the birthday itself, not a day before; a leap-day
birthday comes of age on 1 March in common years."""

from datetime import date

import pytest

from contacts_service.contacts.service import InvalidBirthDate, MinorNotAllowed, check_birth_date


@pytest.mark.parametrize(
    ("born", "today"),
    [
        (date(2012, 6, 1), date(2026, 6, 1)),
        (date(1930, 1, 1), date(2026, 6, 1)),
        (date(2012, 2, 29), date(2026, 3, 1)),
        (date(2000, 2, 29), date(2014, 3, 1)),
    ],
)
def test_fourteen_or_older_is_allowed(born: date, today: date) -> None:
    check_birth_date(born, today)


@pytest.mark.parametrize(
    ("born", "today"),
    [(date(2012, 6, 2), date(2026, 6, 1)), (date(2012, 2, 29), date(2026, 2, 28))],
)
def test_under_fourteen_is_a_minor(born: date, today: date) -> None:
    with pytest.raises(MinorNotAllowed):
        check_birth_date(born, today)


def test_a_birth_date_after_today_is_invalid() -> None:
    with pytest.raises(InvalidBirthDate):
        check_birth_date(date(2026, 6, 2), date(2026, 6, 1))
