"""Per-message callbacks: a send's own `callback_url` (dispatch checks it at send time and
carries it on message.accepted) also gets that message's `message.status` webhooks.

Deliveries go through the same queue and worker as any endpoint's, so each distinct URL of
an account is an endpoint row flagged `per_message`, made on first use: never listed nor
managed through /v1/webhooks, and signed with the account's one callback secret
(CallbackSecret), which the account reads and rotates at /v1/webhooks/callback-secret.
"""

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.webhooks.models import CallbackSecret, MessageCallback, WebhookEndpoint
from dlr_service.webhooks.service import SECRET_OVERLAP, new_secret
from shared.db import upsert_insert
from shared.events import BatchAccepted, MessageAccepted, utcnow


async def record(session: AsyncSession, events: Sequence[MessageAccepted | BatchAccepted]) -> None:
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.callback_url is None:
            continue
        ids = (
            [event.message_id]
            if isinstance(event, MessageAccepted)
            else [message.message_id for message in event.messages]
        )
        rows.extend(
            {
                "message_id": message_id,
                "account_id": event.account_id,
                "url": event.callback_url,
                "created_at": event.occurred_at,
            }
            for message_id in ids
        )
    if rows:
        statement = upsert_insert(session, MessageCallback).values(rows)
        await session.execute(statement.on_conflict_do_nothing(index_elements=["message_id"]))


# session.info key: message id -> its callback row or None, for the messages of a handler's
# batch (prefetch); the session is the handler's own, so nothing read here goes stale.
_PREFETCHED = "message_callbacks"


async def prefetch(session: AsyncSession, message_ids: Collection[UUID]) -> None:
    """Read the callbacks of a batch's messages in one query, so that `endpoint_for` asks
    the database nothing for the many messages sent without a callback_url."""
    if not message_ids:
        return
    rows = await session.scalars(
        select(MessageCallback).where(MessageCallback.message_id.in_(message_ids))
    )
    known: dict[UUID, MessageCallback | None] = session.info.setdefault(_PREFETCHED, {})
    known.update(dict.fromkeys(message_ids))
    known.update({row.message_id: row for row in rows})


async def endpoint_for(
    session: AsyncSession, account_id: UUID, message_id: UUID
) -> WebhookEndpoint | None:
    """The per-message endpoint a status of this message also goes to, if it was sent with a
    callback_url; made (with the account's callback secret) the first time a URL is used."""
    known: dict[UUID, MessageCallback | None] = session.info.get(_PREFETCHED, {})
    callback = (
        known[message_id] if message_id in known else await session.get(MessageCallback, message_id)
    )
    if callback is None or callback.account_id != account_id:
        return None
    endpoint: WebhookEndpoint | None = await session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.account_id == account_id,
            WebhookEndpoint.per_message.is_(True),
            WebhookEndpoint.url == callback.url,
        )
    )
    if endpoint is not None:
        return endpoint if endpoint.enabled else None
    secret = await secret_of(session, account_id)
    endpoint = WebhookEndpoint(
        id=uuid4(),
        account_id=account_id,
        url=callback.url,
        events=["message.status"],
        description="callback_url",
        enabled=True,
        secret=secret.secret,
        previous_secret=secret.previous_secret,
        previous_secret_expires_at=secret.previous_secret_expires_at,
        created_at=utcnow(),
        per_message=True,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def secret_of(session: AsyncSession, account_id: UUID) -> CallbackSecret:
    """The account's callback secret, made on first read."""
    await session.execute(
        upsert_insert(session, CallbackSecret)
        .values(account_id=account_id, secret=new_secret())
        .on_conflict_do_nothing(index_elements=["account_id"])
    )
    secret = await session.get(CallbackSecret, account_id, populate_existing=True)
    assert secret is not None, "just made"
    return secret


async def rotate(session: AsyncSession, account_id: UUID) -> CallbackSecret:
    """A new secret; the old one signs alongside it for SECRET_OVERLAP, on every per-message
    endpoint of the account as on the account's record."""
    secret = await secret_of(session, account_id)
    secret.previous_secret = secret.secret
    secret.previous_secret_expires_at = utcnow() + SECRET_OVERLAP
    secret.secret = new_secret()
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.account_id == account_id, WebhookEndpoint.per_message.is_(True))
        .values(
            secret=secret.secret,
            previous_secret=secret.previous_secret,
            previous_secret_expires_at=secret.previous_secret_expires_at,
        )
    )
    return secret
