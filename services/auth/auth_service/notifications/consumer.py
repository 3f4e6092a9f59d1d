"""The notifications consumer: its own group, so that its mail neither waits on nor holds
up auth's other consumers, and a replay of one never re-runs the other. Each handler runs
in the inbox's transaction: the claim and the queued mail commit with the offset's event."""

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.notifications import mails
from auth_service.notifications.repository import recipients
from auth_service.notifications.service import notify
from shared.events import (
    AccountEmailVerified,
    AccountRegistered,
    AccountStateChanged,
    BalanceLow,
    InvoiceIssued,
    SenderNameDecided,
    WebhookEndpointDisabled,
    utcnow,
)
from shared.runtime import ConsumerSpec

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Any], Awaitable[None]]

# Who hears of what: the owners always; admins run the account with them; the billing
# role of money. Developers and viewers get no account mail.
OWNERS = ("owner",)
ACCOUNT_PEOPLE = ("owner", "admin")
MONEY_PEOPLE = ("owner", "admin", "billing")

_WELCOME = uuid5(NAMESPACE_URL, "smsgw:notifications:welcome")


def welcome_key(account_id: UUID) -> UUID:
    """One welcome per account, whichever event says it is ready (registered verified under
    policy `open`, or its e-mail verified later under `verified`)."""
    return uuid5(_WELCOME, str(account_id))


async def _welcome(session: AsyncSession, account_id: UUID) -> None:
    people = await recipients(session, [account_id], OWNERS)
    await notify(session, welcome_key(account_id), "welcome", people, mails.welcome)


async def on_registered(session: AsyncSession, event: AccountRegistered) -> None:
    if event.email_verified:
        await _welcome(session, event.account_id)


async def on_email_verified(session: AsyncSession, event: AccountEmailVerified) -> None:
    await _welcome(session, event.account_id)


async def on_state_changed(session: AsyncSession, event: AccountStateChanged) -> None:
    if event.state not in ("suspended", "blocked"):
        return  # reinstating and closing are the people's own doing or good news
    # Suspension is for non-payment: whoever pays must hear of it.
    roles = MONEY_PEOPLE if event.state == "suspended" else ACCOUNT_PEOPLE
    people = await recipients(session, [event.account_id], roles)
    await notify(
        session,
        event.event_id,
        f"account_{event.state}",
        people,
        lambda recipient: mails.state_changed(recipient, event),
    )


async def on_balance_low(session: AsyncSession, event: BalanceLow) -> None:
    people = await recipients(session, [event.account_id], MONEY_PEOPLE)
    await notify(
        session,
        event.event_id,
        "balance_low",
        people,
        lambda recipient: mails.balance_low(recipient, event),
    )


async def on_invoice_issued(session: AsyncSession, event: InvoiceIssued) -> None:
    people = await recipients(session, [event.account_id], MONEY_PEOPLE)
    await notify(
        session,
        event.event_id,
        "invoice_issued",
        people,
        lambda recipient: mails.invoice_issued(recipient, event),
    )


async def on_sender_name_decided(session: AsyncSession, event: SenderNameDecided) -> None:
    people = await recipients(session, [event.account_id], ACCOUNT_PEOPLE)
    await notify(
        session,
        event.event_id,
        f"sender_name_{event.decision}",
        people,
        lambda recipient: mails.sender_name_decided(recipient, event),
    )


async def on_endpoint_disabled(session: AsyncSession, event: WebhookEndpointDisabled) -> None:
    people = await recipients(session, [event.account_id], ACCOUNT_PEOPLE)
    await notify(
        session,
        event.event_id,
        "webhook_endpoint_disabled",
        people,
        lambda recipient: mails.endpoint_disabled(recipient, event),
    )


def fresh_only(handle: Handler, max_age: timedelta) -> Handler:
    """Skips events older than `max_age`: a new consumer group starts at the beginning of
    compacted topics (every account's registration and state), and a welcome or a suspension
    notice years late would mail the whole customer base news that is no longer news."""

    async def handle_fresh(session: AsyncSession, event: Any) -> None:
        if utcnow() - event.occurred_at > max_age:
            log.info("notifications: %s %s is too old to mail", event.type, event.event_id)
            return
        await handle(session, event)

    return handle_fresh


def notifications_consumer(group: str, max_age: timedelta) -> ConsumerSpec:
    handlers: dict[str, Handler] = {
        "account.registered": on_registered,
        "account.email_verified": on_email_verified,
        "account.state_changed": on_state_changed,
        "billing.balance_low": on_balance_low,
        "billing.invoice_issued": on_invoice_issued,
        "sender_name.decided": on_sender_name_decided,
        "webhook.endpoint_disabled": on_endpoint_disabled,
    }
    return ConsumerSpec(
        group,
        (
            AccountRegistered.topic,
            BalanceLow.topic,
            SenderNameDecided.topic,
            WebhookEndpointDisabled.topic,
        ),
        {event_type: fresh_only(handle, max_age) for event_type, handle in handlers.items()},
        background=True,
    )
