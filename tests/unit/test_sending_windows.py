"""When a recipient's local time lets a marketing message through."""

from datetime import UTC, datetime

from dispatch_service.windows.local_time import first_opening, inside, zones_of

NINE, NINE_PM = 9 * 60, 21 * 60


def test_a_late_evening_message_waits_for_the_morning_in_the_recipients_zone() -> None:
    new_york = zones_of("+12025550123", "US")
    ten_pm_there = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)

    assert first_opening(NINE, NINE_PM, new_york, ten_pm_there) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )
    noon_there = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert first_opening(NINE, NINE_PM, new_york, noon_there) == noon_there


def test_a_number_without_a_zone_of_its_own_takes_its_countrys() -> None:
    # +44 7700 900xxx is the drama range: no zone on record for it.
    london = zones_of("+447700900123", "GB")
    assert [zone.key for zone in london] == ["Europe/London"]
    half_ten_pm = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    assert first_opening(NINE, NINE_PM, london, half_ten_pm) == datetime(
        2026, 12, 2, 9, 0, tzinfo=UTC
    )


def test_a_country_of_many_zones_waits_until_every_one_is_inside() -> None:
    russia = zones_of("+79123456789", "RU")
    assert len(russia) > 5
    opening = first_opening(NINE, NINE_PM, russia, datetime(2026, 12, 1, 22, 30, tzinfo=UTC))

    assert inside(NINE, NINE_PM, russia, opening)
    assert opening > datetime(2026, 12, 1, 22, 30, tzinfo=UTC)


def test_a_window_across_midnight() -> None:
    london = zones_of("+447700900123", "GB")
    night = (22 * 60, 6 * 60)
    assert inside(*night, london, datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert inside(*night, london, datetime(2026, 12, 2, 5, 59, tzinfo=UTC))
    assert not inside(*night, london, datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
