"""An account's requests read newest first, a page at a time (imports, privacy exports and
erasures): keyset pagination on (created_at, id) through shared.cursor."""

from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.cursor import decode_cursor, encode_cursor

# A model with `account_id`, `created_at` and `id` columns.
Row = TypeVar("Row")


async def newest_first(
    session: AsyncSession, model: type[Row], account_id: UUID, cursor: str | None, limit: int
) -> tuple[list[Row], str | None]:
    """A page of the account's rows, newest first, and the next page's cursor (None on the
    last page). An unreadable cursor is 422 `invalid_cursor`."""
    table: Any = model
    query = select(model).where(table.account_id == account_id)
    if cursor:
        query = query.where(tuple_(table.created_at, table.id) < decode_cursor(cursor))
    query = query.order_by(table.created_at.desc(), table.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    if len(rows) <= limit:
        return rows, None
    last: Any = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)
