"""Dispatch's copy of billing's rule for which destinations are priced (no_tariff at intake):
the same cases as billing's book (test_tariff_book.py), with the time given explicitly."""

from datetime import UTC, datetime
from uuid import uuid4

from dispatch_service.tariffs.gate import Coverage, VersionPrefixes

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def version(at: datetime, *prefixes: str) -> VersionPrefixes:
    return VersionPrefixes(at, frozenset(prefixes))


def test_without_a_public_version_in_force_every_destination_is_priced() -> None:
    assert Coverage().priced(uuid4(), "+12025550123", JAN)
    later = Coverage([(None, version(FEB, "7"))])
    assert later.priced(uuid4(), "+12025550123", JAN)
    assert not later.priced(uuid4(), "+12025550123", FEB)


def test_a_prefix_of_the_number_prices_it() -> None:
    public = Coverage([(None, version(JAN, "7916", "44"))])

    assert public.priced(uuid4(), "+79161234567", FEB)
    assert public.priced(uuid4(), "+447700900123", FEB)
    assert not public.priced(uuid4(), "+79031234567", FEB)


def test_an_account_plan_in_force_replaces_the_public_tariff_for_that_account() -> None:
    account = uuid4()
    coverage = Coverage([(None, version(JAN, "7", "44")), (account, version(FEB, "7"))])

    assert coverage.priced(account, "+447700900123", JAN)  # the plan is not in force yet
    assert not coverage.priced(account, "+447700900123", FEB)
    assert coverage.priced(uuid4(), "+447700900123", FEB)
    assert coverage.priced(account, "+79161234567", FEB)
