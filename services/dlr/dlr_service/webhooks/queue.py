"""The worker's SQL: claiming due deliveries and recording what came of them."""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)


@dataclass(frozen=True)
class Job:
    """A claimed delivery with everything needed to send it, read in the claim."""

    delivery_id: UUID
    endpoint_id: UUID
    account_id: UUID
    event_id: UUID
    url: str
    secrets: tuple[str, ...]
    payload: dict[str, Any]
    attempts: int  # made before this one
    queued_at: datetime


class DeliveryQueue:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        now: datetime,
        lease_until: datetime,
        limit: int,
        allowance: dict[UUID, int],
        per_endpoint: int,
        busy: Collection[UUID],
    ) -> list[Job]:
        """Up to `limit` due deliveries, at most `allowance.get(endpoint, per_endpoint)` per
        endpoint, none of the `busy` ones; leased (moved to `lease_until`) so that no other
        worker takes them meanwhile, and taken again by any worker if this one dies."""
        statement = (
            select(WebhookDelivery, WebhookEndpoint, WebhookEvent)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            # Rows another worker is claiming are skipped, not waited for (PostgreSQL; SQLite
            # serialises writers and ignores it).
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        if busy:
            statement = statement.where(WebhookDelivery.endpoint_id.not_in(list(busy)))
        taken: Counter[UUID] = Counter()
        jobs: list[Job] = []
        for delivery, endpoint, event in (await self._session.execute(statement)).all():
            if taken[endpoint.id] >= allowance.get(endpoint.id, per_endpoint):
                continue  # left due, for the next round
            taken[endpoint.id] += 1
            jobs.append(_job(delivery, endpoint, event, now))
        if jobs:
            await self._session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_([job.delivery_id for job in jobs]))
                .values(next_attempt_at=lease_until)
            )
        return jobs

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self._session.add(attempt)

    async def settle(
        self, delivery_id: UUID, state: str, attempts: int, next_at: datetime, now: datetime
    ) -> None:
        await self._session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(
                state=state,
                attempts=attempts,
                next_attempt_at=next_at,
                finished_at=None if state == "pending" else now,
            )
        )

    # The endpoint's run of failures, in plain UPDATEs: they take PostgreSQL's NO KEY UPDATE
    # lock, which the attempts' foreign key (KEY SHARE) doesn't conflict with; a SELECT FOR
    # UPDATE would, and two attempts recorded at once deadlocked on it.

    async def endpoint_succeeded(self, endpoint_id: UUID) -> None:
        await self._session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
            .values(failing_since=None)
        )

    async def endpoint_failed(self, endpoint_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
            .values(failing_since=now)
        )

    async def disable_if_failing_since(
        self, endpoint_id: UUID, cutoff: datetime, reason: str
    ) -> WebhookEndpoint | None:
        """Disables the endpoint if it has failed since `cutoff` or longer; returns it if this
        call disabled it (so only one of several workers announces it)."""
        statement = (
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == endpoint_id,
                WebhookEndpoint.enabled.is_(True),
                WebhookEndpoint.failing_since <= cutoff,
            )
            .values(enabled=False, disabled_reason=reason)
            .returning(WebhookEndpoint)
        )
        disabled: WebhookEndpoint | None = await self._session.scalar(
            statement, execution_options={"populate_existing": True}
        )
        return disabled


def _job(
    delivery: WebhookDelivery, endpoint: WebhookEndpoint, event: WebhookEvent, now: datetime
) -> Job:
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        secrets.append(endpoint.previous_secret)
    return Job(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        account_id=endpoint.account_id,
        event_id=event.id,
        url=endpoint.url,
        secrets=tuple(secrets),
        payload=event.payload,
        attempts=delivery.attempts,
        queued_at=delivery.created_at,
    )
