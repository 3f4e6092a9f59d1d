"""Which price a message pays: the tariff book, with the acceptance time given explicitly."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from billing_service.tariffs.book import PartPrice, TariffBook, VersionPrices

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)
FLAT = 500


def version(
    effective_from: datetime, prices: dict[str, int], currency: str = "EUR"
) -> VersionPrices:
    return VersionPrices(
        id=uuid4(),
        tariff_id=uuid4(),
        effective_from=effective_from,
        currency=currency,
        prices=prices,
    )


def book(*versions: tuple[UUID | None, VersionPrices]) -> TariffBook:
    return TariffBook(versions, flat_units=FLAT, currency="EUR")


def units(price: PartPrice | None) -> int | None:
    return None if price is None else price.units


def test_without_any_tariff_every_destination_costs_the_flat_price() -> None:
    empty = book()

    assert empty.price_of(uuid4(), "+79161234567", JAN, "EUR") == PartPrice(FLAT, "EUR", None)
    assert units(empty.price_of(uuid4(), "+447700900123", JAN, "EUR")) == FLAT


def test_the_longest_matching_prefix_wins() -> None:
    public = version(JAN, {"7": 300, "7916": 250, "44": 400})
    prices = book((None, public))
    account = uuid4()

    assert units(prices.price_of(account, "+79161234567", FEB, "EUR")) == 250
    assert units(prices.price_of(account, "+79031234567", FEB, "EUR")) == 300
    assert units(prices.price_of(account, "+447700900123", FEB, "EUR")) == 400
    assert prices.price_of(account, "+12025550123", FEB, "EUR") is None  # no_tariff


def test_an_account_plan_overrides_the_public_tariff_for_that_account_only() -> None:
    public = version(JAN, {"7": 300, "44": 400})
    vip = uuid4()
    plan = version(JAN, {"7": 100})
    prices = book((None, public), (vip, plan))

    assert prices.price_of(vip, "+79161234567", FEB, "EUR") == PartPrice(100, "EUR", plan.id)
    # The plan replaces the public tariff whole: what it doesn't price is not priced.
    assert prices.price_of(vip, "+447700900123", FEB, "EUR") is None
    assert units(prices.price_of(uuid4(), "+79161234567", FEB, "EUR")) == 300


def test_a_version_scheduled_ahead_applies_only_from_its_time() -> None:
    march = datetime(2026, 3, 1, tzinfo=UTC)
    old, new = version(JAN, {"7": 300}), version(march, {"7": 350})
    prices = book((None, old), (None, new))
    account = uuid4()

    assert (
        units(prices.price_of(account, "+79161234567", march - timedelta(microseconds=1), "EUR"))
        == 300
    )
    assert units(prices.price_of(account, "+79161234567", march, "EUR")) == 350
    # A message accepted before the change keeps the old price however late it is charged.
    assert units(prices.price_of(account, "+79161234567", FEB, "EUR")) == 300
    assert prices.next_for(account, FEB, "EUR") == new
    assert prices.next_for(account, march, "EUR") is None


def test_the_flat_price_stands_until_the_first_public_version_takes_effect() -> None:
    prices = book((None, version(FEB, {"7": 300})))

    assert units(prices.price_of(uuid4(), "+12025550123", JAN, "EUR")) == FLAT
    assert prices.price_of(uuid4(), "+12025550123", FEB, "EUR") is None


def test_a_plan_not_yet_in_force_leaves_the_account_on_the_public_tariff() -> None:
    account = uuid4()
    plan = version(FEB, {"7": 100})
    prices = book((None, version(JAN, {"7": 300})), (account, plan))

    assert units(prices.price_of(account, "+79161234567", JAN, "EUR")) == 300
    assert prices.next_for(account, JAN, "EUR") == plan
    assert units(prices.price_of(account, "+79161234567", FEB, "EUR")) == 100


def test_an_account_is_priced_by_the_public_tariff_of_its_own_currency() -> None:
    prices = book((None, version(JAN, {"7": 300})), (None, version(JAN, {"7": 40}, "USD")))
    account = uuid4()

    assert prices.price_of(account, "+79161234567", FEB, "USD") == PartPrice(
        40, "USD", prices.public["USD"].versions[0].id
    )
    assert units(prices.price_of(account, "+79161234567", FEB, "EUR")) == 300


def test_the_flat_price_is_only_in_the_billing_currency() -> None:
    empty = book()

    assert units(empty.price_of(uuid4(), "+79161234567", JAN, "EUR")) == FLAT
    # No tariff in dollars: nothing to charge a dollar balance by (`no_tariff`).
    assert empty.price_of(uuid4(), "+79161234567", JAN, "USD") is None
    # Nor by the euro tariff when one is in force.
    euros = book((None, version(JAN, {"7": 300})))
    assert euros.price_of(uuid4(), "+79161234567", FEB, "USD") is None


def test_a_plan_in_a_currency_the_balance_left_is_not_used() -> None:
    account = uuid4()
    plan = version(JAN, {"7": 100})  # EUR, from before the account moved to a USD company
    prices = book((None, version(JAN, {"7": 45}, "USD")), (account, plan))

    assert units(prices.price_of(account, "+79161234567", FEB, "USD")) == 45
    assert prices.version_for(account, FEB, "USD") != plan
