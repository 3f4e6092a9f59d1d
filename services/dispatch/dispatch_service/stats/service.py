"""Messages per day and status for the account's dashboard (issue 12): how many of the
messages created each UTC day are delivered, failed, still on their way, right now."""

from datetime import UTC, date, datetime, timedelta
from typing import get_args
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.messages.status import MessageStatus
from dispatch_service.stats.repository import counts_by_day
from dispatch_service.stats.schemas import DayCounts, MessageStats
from shared.errors import ProblemError

# A quarter: what a dashboard shows, and a bound on what one request may count.
MAX_DAYS = 92
STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)


class InvalidRange(ProblemError):
    def __init__(self) -> None:
        super().__init__(422, "invalid_range", "Invalid date range", "`from` must be before `to`")


class RangeTooLong(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "range_too_long",
            "Date range too long",
            f"At most {MAX_DAYS} days from `from` to `to`",
            max_days=MAX_DAYS,
        )


def check_range(since: datetime, until: datetime) -> None:
    if since >= until:
        raise InvalidRange()
    if until - since > timedelta(days=MAX_DAYS):
        raise RangeTooLong()


async def by_day(
    session: AsyncSession, account_id: UUID, since: datetime, until: datetime
) -> MessageStats:
    check_range(since, until)
    counted: dict[date, dict[MessageStatus, int]] = {}
    for day, status, count in await counts_by_day(session, account_id, since, until):
        if status in STATUSES:
            counted.setdefault(day, {})[status] = count
    return MessageStats(
        since=since,
        until=until,
        group_by="day",
        items=[_day(day, counted.get(day, {})) for day in _days(since, until)],
    )


def _day(day: date, counts: dict[MessageStatus, int]) -> DayCounts:
    full = {status: counts.get(status, 0) for status in STATUSES}
    return DayCounts(day=day, total=sum(full.values()), counts=full)


def _days(since: datetime, until: datetime) -> list[date]:
    """The UTC days [since, until) touches."""
    first = since.astimezone(UTC).date()
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
