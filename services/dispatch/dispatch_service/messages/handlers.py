"""Inbox handlers: billing's verdict and dlr's receipts applied to messages (and auth's
account states stored, in dispatch_service.accounts).

Each runs inside the inbox consumer's transaction and never commits, and takes every event
of its type in a run of the fetched batch at once: a few statements per run, where a lock,
a load and an update per event were most of dispatch's CPU under load. Besides the inbox's
event-id dedup, they are idempotent by nature: every change goes through the forward-only
state machine, so a replayed or late event leaves the message as it is.
"""

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts.handlers import on_account_states_changed
from dispatch_service.batches import repository as set_based
from dispatch_service.batches.handlers import on_batch_charge_authorized, on_batch_charge_declined
from dispatch_service.campaigns.service import on_audience_chunk
from dispatch_service.config import DispatchSettings
from dispatch_service.consent.service import on_consents_changed
from dispatch_service.db import ErasedNumber
from dispatch_service.destinations.repository import assign_companies as on_companies_assigned
from dispatch_service.help_replies.service import answer_help
from dispatch_service.messages import repository
from dispatch_service.privacy.erasure import on_erasure_requested
from dispatch_service.replies.service import on_inbound_received
from dispatch_service.tariffs.handlers import on_tariffs_published
from shared.erasure import not_erased
from shared.events import (
    AccountStateChanged,
    BillingAccountEvent,
    CampaignAudienceChunk,
    ChargeAuthorized,
    ChargeDeclined,
    ChargeEvent,
    InboundMessageReceived,
    MessagePartStatusReported,
    PrivacyEvent,
    RecipientConsentChanged,
    TariffPublished,
    utcnow,
)
from shared.inbox import Batched, Handler

log = logging.getLogger(__name__)


async def on_charges_authorized(session: AsyncSession, events: Sequence[ChargeAuthorized]) -> None:
    # Grouped by what the statements set: one account and one price for a whole burst.
    groups: dict[tuple[UUID, str, str], list[UUID]] = defaultdict(list)
    for event in events:
        groups[(event.account_id, event.amount, event.currency)].append(event.message_id)
    now = utcnow()
    for (account_id, amount, currency), message_ids in groups.items():
        moved = await set_based.queue(session, account_id, message_ids, amount, currency, now)
        _report_unmoved("charge.authorized", message_ids, moved)


async def on_charges_declined(session: AsyncSession, events: Sequence[ChargeDeclined]) -> None:
    groups: dict[tuple[UUID, str, str], list[UUID]] = defaultdict(list)
    for event in events:
        groups[(event.account_id, event.code, event.reason)].append(event.message_id)
    now = utcnow()
    for (account_id, code, reason), message_ids in groups.items():
        moved = await set_based.reject(session, account_id, message_ids, code, reason, now)
        _report_unmoved("charge.declined", message_ids, moved)


def _report_unmoved(kind: str, message_ids: list[UUID], moved: list[UUID]) -> None:
    # Topics are shared across environments and test runs, and a replay finds the message
    # already moved: an event that can't apply is dropped, not retried into the dead letters.
    if len(moved) < len(message_ids):
        unmoved = set(message_ids).difference(moved)
        log.info("%s: %d message(s) not waiting for billing: %s", kind, len(unmoved), min(unmoved))


async def on_part_statuses_reported(
    session: AsyncSession, events: Sequence[MessagePartStatusReported]
) -> None:
    # One locking query for every message in the run; the state machine then applies each
    # report in memory, and the flush writes the changed rows together.
    messages = await repository.lock_many(session, {event.message_id for event in events})
    for event in events:
        message = messages.get(event.message_id)
        if message is None or message.account_id != event.account_id:
            log.warning("ignoring receipt for unknown message %s", event.message_id)
            continue
        try:
            message.record_part(
                event.part_index,
                event.status,
                event.reported_at,
                smsc_message_id=event.smsc_message_id,
                error_code=event.error_code,
                receipt=True,
            )
        except LookupError:
            log.warning("ignoring receipt for unknown part %s of %s", event.part_index, message.id)


async def on_unerased_consents_changed(
    session: AsyncSession, events: Sequence[RecipientConsentChanged]
) -> None:
    """A consent change from before its number was erased would store the number again."""
    await on_consents_changed(
        session, await not_erased(session, ErasedNumber, events, lambda event: event.phone)
    )


def handlers(settings: DispatchSettings) -> Mapping[str, Handler]:
    """The consumer wiring, shared by the HTTP process and anything else that applies
    these events."""

    async def on_inbound(session: AsyncSession, events: Sequence[InboundMessageReceived]) -> None:
        await on_inbound_received(session, events)
        await answer_help(session, settings, events)

    return {
        "charge.authorized": Batched(on_charges_authorized),
        "charge.declined": Batched(on_charges_declined),
        "batch.charge_authorized": on_batch_charge_authorized,
        "batch.charge_declined": on_batch_charge_declined,
        "message.part_status_reported": Batched(on_part_statuses_reported),
        "account.state_changed": Batched(on_account_states_changed),
        "recipient.consent_changed": Batched(on_unerased_consents_changed),
        "privacy.erasure_requested": on_erasure_requested,
        "inbound.received": Batched(on_inbound),
        "tariff.published": Batched(on_tariffs_published),
        # The account's contracting company: its countries are its default allow-list.
        "billing.company_assigned": Batched(on_companies_assigned),
        # A campaign's audience, a chunk at a time from contacts.
        "campaign.audience_chunk": on_audience_chunk,
    }


TOPICS: tuple[str, ...] = (
    ChargeEvent.topic,
    MessagePartStatusReported.topic,
    AccountStateChanged.topic,
    RecipientConsentChanged.topic,
    TariffPublished.topic,
    BillingAccountEvent.topic,
    PrivacyEvent.topic,
    CampaignAudienceChunk.topic,
)
