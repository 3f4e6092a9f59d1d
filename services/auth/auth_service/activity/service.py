"""Storing what the gateway reports and reading an account's log page by page; records past
the retention are purged by auth_service/retention."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.activity.models import ActivityRecord
from auth_service.activity.repository import ActivityLog
from auth_service.audit.service import cursor_after
from shared.cursor import decode_cursor
from shared.events import ActivityRecorded


async def record_events(session: AsyncSession, events: Sequence[ActivityRecorded]) -> None:
    await ActivityLog(session).add_new(
        [
            {
                "id": event.event_id,
                "account_id": event.account_id,
                "occurred_at": event.occurred_at,
                "actor_type": event.actor_type,
                "actor_id": event.actor_id,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "method": event.method,
                "path": event.path,
                "status": event.status,
                "duration_ms": event.duration_ms,
            }
            for event in events
        ]
    )


async def page(
    session: AsyncSession, account_id: UUID, cursor: str | None, limit: int
) -> tuple[list[ActivityRecord], str | None]:
    """A page of the account's requests, newest first, and the next page's cursor."""
    after = decode_cursor(cursor) if cursor else None
    records = await ActivityLog(session).page(account_id, after, limit + 1)
    if len(records) <= limit:
        return records, None
    return records[:limit], cursor_after(records[limit - 1])
