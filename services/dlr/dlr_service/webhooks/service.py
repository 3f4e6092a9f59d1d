"""Managing an account's endpoints: create, change, rotate, replay, read the attempts."""

import base64
import secrets
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from dlr_service.webhooks.repository import EndpointRepository
from dlr_service.webhooks.schemas import WebhookCreate, WebhookReplayWindow, WebhookUpdate
from dlr_service.webhooks.ssrf import ForbiddenUrl, UrlGuard
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound, ProblemError
from shared.events import utcnow

# Long enough for a receiver to deploy the new secret; the old one signs alongside it.
SECRET_OVERLAP = timedelta(hours=24)


class UrlForbidden(ProblemError):
    def __init__(self, reason: str) -> None:
        super().__init__(422, "webhook_url_forbidden", "Webhook URL not allowed", reason)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def _checked(guard: UrlGuard, url: str) -> str:
    try:
        await guard.check(url)
    except ForbiddenUrl as refused:
        raise UrlForbidden(str(refused)) from refused
    return url


async def create(
    session: AsyncSession, guard: UrlGuard, account_id: UUID, request: WebhookCreate
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        id=uuid4(),
        account_id=account_id,
        url=await _checked(guard, request.url),
        events=list(request.events),
        description=request.description,
        enabled=True,
        secret=new_secret(),
        created_at=utcnow(),
    )
    await EndpointRepository(session, account_id).add(endpoint)
    return endpoint


async def get(
    session: AsyncSession, account_id: UUID, endpoint_id: UUID, lock: bool = False
) -> WebhookEndpoint:
    # Another account's endpoint is "not found": ids don't reveal that they exist.
    endpoint = await EndpointRepository(session, account_id).get(endpoint_id, lock)
    if endpoint is None:
        raise NotFound("Webhook")
    return endpoint


async def list_(session: AsyncSession, account_id: UUID) -> list[WebhookEndpoint]:
    return await EndpointRepository(session, account_id).all()


async def update(
    session: AsyncSession,
    guard: UrlGuard,
    account_id: UUID,
    endpoint_id: UUID,
    request: WebhookUpdate,
) -> WebhookEndpoint:
    endpoint = await get(session, account_id, endpoint_id, lock=True)
    given = request.model_fields_set
    # Everything is checked before anything changes: a refused URL leaves the rest as it was.
    url = await _checked(guard, request.url) if request.url is not None else None
    if url is not None:
        endpoint.url = url
    if request.events is not None:
        endpoint.events = list(request.events)
    if "description" in given:
        endpoint.description = request.description
    if request.enabled is not None:
        endpoint.enabled = request.enabled
        if request.enabled:
            # A fresh start: the days of failure before being disabled don't count again.
            endpoint.failing_since = None
            endpoint.disabled_reason = None
    return endpoint


async def delete(session: AsyncSession, account_id: UUID, endpoint_id: UUID) -> None:
    if not await EndpointRepository(session, account_id).delete(endpoint_id):
        raise NotFound("Webhook")


async def rotate_secret(
    session: AsyncSession, account_id: UUID, endpoint_id: UUID
) -> WebhookEndpoint:
    endpoint = await get(session, account_id, endpoint_id, lock=True)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = utcnow() + SECRET_OVERLAP
    endpoint.secret = new_secret()
    return endpoint


async def replay(
    session: AsyncSession, account_id: UUID, endpoint_id: UUID, window: WebhookReplayWindow
) -> int:
    """Queues the window's events of the endpoint's types again, as new deliveries with a
    fresh retry period; their webhook-id is the event's, so receivers can drop repeats."""
    endpoint = await get(session, account_id, endpoint_id)
    repository = EndpointRepository(session, account_id)
    events = await repository.events_between(endpoint.events, window.since, window.until)
    repository.queue([_delivery(event.id, endpoint.id) for event in events])
    return len(events)


async def replay_delivery(
    session: AsyncSession, account_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> None:
    await get(session, account_id, endpoint_id)
    repository = EndpointRepository(session, account_id)
    delivery = await repository.delivery(endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("Delivery")
    repository.queue([_delivery(delivery.event_id, endpoint_id)])


def _delivery(event_id: UUID, endpoint_id: UUID) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        id=uuid4(),
        event_id=event_id,
        endpoint_id=endpoint_id,
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


async def attempts(
    session: AsyncSession, account_id: UUID, endpoint_id: UUID, cursor: str | None, limit: int
) -> tuple[list[tuple[WebhookAttempt, str]], str | None]:
    await get(session, account_id, endpoint_id)
    before = decode_cursor(cursor) if cursor else None
    rows = await EndpointRepository(session, account_id).attempts(endpoint_id, before, limit + 1)
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1][0]
    return rows[:limit], encode_cursor(last.attempted_at, last.id)
