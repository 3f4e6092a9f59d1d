"""All of the webhooks' SQL. Endpoint queries are scoped to one account."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks.models import (
    MessageSequence,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from shared.db import upsert_insert


class EndpointRepository:
    def __init__(self, session: AsyncSession, account_id: UUID) -> None:
        self._session = session
        self._account_id = account_id

    def _mine(self) -> Select[WebhookEndpoint]:
        # Per-message callback endpoints are the platform's, not the account's to manage.
        return select(WebhookEndpoint).where(
            WebhookEndpoint.account_id == self._account_id,
            WebhookEndpoint.per_message.is_(False),
        )

    async def add(self, endpoint: WebhookEndpoint) -> None:
        assert endpoint.account_id == self._account_id
        self._session.add(endpoint)
        await self._session.flush()

    async def get(self, endpoint_id: UUID, lock: bool = False) -> WebhookEndpoint | None:
        statement = self._mine().where(WebhookEndpoint.id == endpoint_id)
        if lock:
            statement = statement.with_for_update()
        endpoint: WebhookEndpoint | None = await self._session.scalar(statement)
        return endpoint

    async def all(self) -> list[WebhookEndpoint]:
        statement = self._mine().order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        return list((await self._session.scalars(statement)).all())

    async def delete(self, endpoint_id: UUID) -> bool:
        # Its deliveries and attempts go with it: nothing is owed to an endpoint that is gone.
        for model in (WebhookAttempt, WebhookDelivery):
            await self._session.execute(delete(model).where(model.endpoint_id == endpoint_id))
        result = cast(
            CursorResult[Any],
            await self._session.execute(
                delete(WebhookEndpoint).where(
                    WebhookEndpoint.account_id == self._account_id,
                    WebhookEndpoint.id == endpoint_id,
                )
            ),
        )
        return bool(result.rowcount)

    async def enabled(self) -> list[WebhookEndpoint]:
        rows = await self._session.scalars(self._mine().where(WebhookEndpoint.enabled.is_(True)))
        return list(rows.all())

    async def attempts(
        self, endpoint_id: UUID, before: tuple[datetime, UUID] | None, limit: int
    ) -> list[tuple[WebhookAttempt, str]]:
        """Newest first, each with its event's type."""
        statement = (
            select(WebhookAttempt, WebhookEvent.type)
            .join(WebhookEvent, WebhookEvent.id == WebhookAttempt.event_id)
            .where(WebhookAttempt.endpoint_id == endpoint_id)
            .order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.id.desc())
            .limit(limit)
        )
        if before is not None:
            statement = statement.where(
                tuple_(WebhookAttempt.attempted_at, WebhookAttempt.id) < tuple_(*before)
            )
        return [(a, t) for a, t in (await self._session.execute(statement)).all()]

    async def events_between(
        self, types: Sequence[str], since: datetime, until: datetime
    ) -> list[WebhookEvent]:
        statement = (
            select(WebhookEvent)
            .where(
                WebhookEvent.account_id == self._account_id,
                WebhookEvent.type.in_(types),
                WebhookEvent.occurred_at >= since,
                WebhookEvent.occurred_at < until,
            )
            .order_by(WebhookEvent.occurred_at, WebhookEvent.id)
        )
        return list((await self._session.scalars(statement)).all())

    async def delivery(self, endpoint_id: UUID, delivery_id: UUID) -> WebhookDelivery | None:
        found: WebhookDelivery | None = await self._session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
            )
        )
        return found

    def queue(self, deliveries: Sequence[WebhookDelivery]) -> None:
        self._session.add_all(deliveries)


class EventRepository:
    """Writes of the consumer's handlers: events and their sequence numbers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: WebhookEvent, deliveries: Sequence[WebhookDelivery]) -> None:
        self._session.add(event)
        # No relationship() between them, so the unit of work would not order the inserts:
        # the event goes first, for the deliveries' foreign key.
        await self._session.flush()
        self._session.add_all(deliveries)

    async def next_sequence(self, message_id: UUID) -> int:
        """1, 2, 3... per message; the row lock serialises two handlers of one message."""
        insert = upsert_insert(self._session, MessageSequence.__table__)
        statement = (
            insert.values(message_id=message_id, last=1)
            .on_conflict_do_update(
                index_elements=["message_id"], set_={"last": MessageSequence.__table__.c.last + 1}
            )
            .returning(MessageSequence.__table__.c.last)
        )
        return int((await self._session.execute(statement)).scalar_one())


async def disable_endpoint(session: AsyncSession, endpoint_id: UUID, reason: str) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(enabled=False, disabled_reason=reason)
    )
