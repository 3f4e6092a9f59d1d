from datetime import date, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.messages.models import Message
from shared.db import is_postgres


async def counts_by_day(
    session: AsyncSession, account_id: UUID, since: datetime, until: datetime
) -> list[tuple[date, str, int]]:
    """(UTC day, status, messages) of the account's messages created in [since, until);
    read through the (account_id, created_at, id) index."""
    column = Message.created_at
    # The UTC day on both: PostgreSQL's date() would follow the session's time zone.
    day = func.date(func.timezone("UTC", column) if is_postgres(session) else column)
    statement = (
        select(day, Message.status, func.count())
        .where(Message.account_id == account_id, column >= since, column < until)
        .group_by(day, Message.status)
    )
    rows = (await session.execute(statement)).all()
    return [(_as_date(row[0]), str(row[1]), int(row[2])) for row in rows]


def _as_date(value: date | str) -> date:
    # SQLite's date() answers text.
    return value if isinstance(value, date) else date.fromisoformat(value)
