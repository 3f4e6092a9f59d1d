"""The audit records the other services publish (`audit.records`), into the account's
audit log beside auth's own. A record's id is its event's id, so a replayed event adds
nothing even past the inbox's retention; it keeps the event's time and origin."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit.repository import AuditLog
from shared.events import AuditRecorded


async def record_events(session: AsyncSession, events: Sequence[AuditRecorded]) -> None:
    await AuditLog(session).add_new(
        [
            {
                "id": event.event_id,
                "account_id": event.account_id,
                "occurred_at": event.occurred_at,
                "actor_type": event.actor_type,
                "actor_id": event.actor_id,
                # Free-form dotted names: each service names its own actions.
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "details": event.details,
            }
            for event in events
        ]
    )
