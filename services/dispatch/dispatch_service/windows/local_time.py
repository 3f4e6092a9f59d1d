"""When a recipient's local time lets a message through. A number's zones come from its
prefix (phonenumbers); a country spanning several (Russia, the US) must be inside the window
in every one of them, so nobody is woken up; a number whose range has no zone on record takes
its country's."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones


@lru_cache(maxsize=4096)
def zones_of(e164: str, region: str | None) -> tuple[ZoneInfo, ...]:
    found = _known(number_zones.time_zones_for_number(phonenumbers.parse(e164, None)))
    if not found and region:
        example = phonenumbers.example_number(region)
        if example is not None:
            found = _known(number_zones.time_zones_for_number(example))
    return found


def _known(names: Sequence[str]) -> tuple[ZoneInfo, ...]:
    zones = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue  # "Etc/Unknown"
    return tuple(zones)


def inside(start_minute: int, end_minute: int, zones: Sequence[ZoneInfo], at: datetime) -> bool:
    for zone in zones:
        local = at.astimezone(zone)
        minute = local.hour * 60 + local.minute
        if start_minute <= end_minute:
            ok = start_minute <= minute < end_minute
        else:  # spans midnight
            ok = minute >= start_minute or minute < end_minute
        if not ok:
            return False
    return True


def first_opening(
    start_minute: int, end_minute: int, zones: Sequence[ZoneInfo], at: datetime
) -> datetime:
    """`at` if the window is open there in every zone, else the first time after it that
    is: some zone's window opening. If the zones never agree (a window narrower than the
    country is wide), the first opening in the first zone."""
    if not zones or inside(start_minute, end_minute, zones, at):
        return at
    openings = sorted(
        opening
        for zone in zones
        for days in range(3)
        if (opening := _opening(zone, at, days, start_minute)) > at
    )
    for opening in openings:
        if inside(start_minute, end_minute, zones, opening):
            return opening
    return min(o for o in openings if inside(start_minute, end_minute, zones[:1], o))


def _opening(zone: ZoneInfo, at: datetime, days: int, start_minute: int) -> datetime:
    day = (at.astimezone(zone) + timedelta(days=days)).date()
    hour, minute = divmod(start_minute, 60)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return local.astimezone(at.tzinfo)
