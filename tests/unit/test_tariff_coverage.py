"""Dispatch's copy of billing's rule for which destinations are priced (no_tariff at intake):
the same cases as billing's book (test_tariff_book.py), with the time given explicitly."""

from datetime import UTC, datetime
from uuid import uuid4

from dispatch_service.tariffs.gate import Coverage, VersionPrefixes

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def version(at: datetime, *prefixes: str, currency: str | None = None) -> VersionPrefixes:
    return VersionPrefixes(at, frozenset(prefixes), currency)


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


# --- currencies: billing prices an account only by tariffs in its own currency --------------

UK, RUSSIA = "+447700900123", "+79161234567"


def test_an_account_is_gated_by_the_public_tariff_of_its_currency_only() -> None:
    coverage = Coverage(
        [
            (None, version(JAN, "44", "7", currency="EUR")),
            (None, version(JAN, "44", currency="USD")),
        ]
    )
    account = uuid4()

    assert not coverage.priced(account, RUSSIA, FEB, "USD")
    assert coverage.priced(account, UK, FEB, "USD")
    assert coverage.priced(account, RUSSIA, FEB, "EUR")
    # No public tariff in its currency: billing's flat price or its decline, not the gate's.
    assert coverage.priced(account, "+998901234567", FEB, "GBP")
    assert coverage.needs_currency(account)


def test_a_version_from_before_currencies_applies_whatever_the_accounts_currency() -> None:
    no_currency = Coverage([(None, version(JAN, "44"))])
    account = uuid4()

    for currency in ("EUR", "USD", None):
        assert not no_currency.priced(account, RUSSIA, FEB, currency)
        assert no_currency.priced(account, UK, FEB, currency)
    # Nothing depends on the currency yet: the gate need not read it.
    assert not no_currency.needs_currency(account)

    # A later version of one currency replaces it for that currency only.
    mixed = Coverage([(None, version(JAN, "44")), (None, version(FEB, "7", currency="USD"))])
    assert mixed.priced(account, RUSSIA, FEB, "USD")
    assert not mixed.priced(account, UK, FEB, "USD")
    assert not mixed.priced(account, RUSSIA, FEB, "EUR")
    assert mixed.priced(account, UK, FEB, "EUR")


def test_an_account_of_unknown_currency_is_not_gated_by_another_currencys_tariff() -> None:
    # The only public tariff is in dollars; an account dispatch knows no currency of may be
    # in BILLING_CURRENCY, priced flat by billing: it must not be refused here.
    coverage = Coverage([(None, version(JAN, "44", currency="USD"))])

    assert coverage.priced(uuid4(), RUSSIA, FEB, None)
    assert not coverage.priced(uuid4(), RUSSIA, FEB, "USD")


def test_an_account_of_unknown_currency_is_gated_by_versions_from_before_currencies() -> None:
    coverage = Coverage([(None, version(JAN, "44"))])

    assert not coverage.priced(uuid4(), RUSSIA, FEB, None)
    assert coverage.priced(uuid4(), UK, FEB, None)


def test_an_account_of_unknown_currency_is_not_gated_by_public_tariffs_of_two() -> None:
    coverage = Coverage(
        [
            (None, version(JAN, "44", currency="EUR")),
            (None, version(JAN, "44", currency="USD")),
        ]
    )

    # Which of them billing prices it by is not known here: billing decides.
    assert coverage.priced(uuid4(), RUSSIA, FEB, None)


def test_a_plan_wins_over_the_public_tariff_of_the_accounts_currency() -> None:
    account = uuid4()
    coverage = Coverage(
        [
            (None, version(JAN, "44", "7", currency="USD")),
            (account, version(JAN, "7", currency="USD")),
        ]
    )

    assert not coverage.priced(account, UK, FEB, "USD")
    assert not coverage.priced(account, UK, FEB, None)
    assert coverage.priced(account, RUSSIA, FEB, "USD")


def test_a_plan_in_another_currency_than_the_accounts_is_not_its_tariff() -> None:
    account = uuid4()
    coverage = Coverage(
        [
            (None, version(JAN, "44", "7", currency="USD")),
            (account, version(JAN, "7", currency="EUR")),
        ]
    )

    # Moved to a company in USD: billing prices it by the USD public tariff.
    assert coverage.priced(account, UK, FEB, "USD")
    assert coverage.needs_currency(account)
    # Its currency not known: the plan, as billing made it in the account's currency.
    assert not coverage.priced(account, UK, FEB, None)
