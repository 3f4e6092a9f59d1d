"""What contacts consumes: opt-outs and opt-ins it did not record itself (STOP and START
replies, from dlr), recorded as consent records of their number."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent import repository
from shared.events import RecipientConsentChanged
from shared.inbox import Batched, Handler

TOPICS = (RecipientConsentChanged.topic,)
# The sources only contacts publishes: their records are written with the event, so
# recording them again from the topic would double them.
OWN_SOURCES = frozenset({"api", "web_form", "import", "link"})


async def on_consents_changed(
    session: AsyncSession, events: Sequence[RecipientConsentChanged]
) -> None:
    """In the consumer's transaction. A record's id is its event's: an event replayed past
    the inbox (pruned, or re-driven) adds nothing either."""
    foreign = [event for event in events if event.source not in OWN_SOURCES]
    holders = await repository.contact_ids(
        session, {(event.account_id, event.phone) for event in foreign}
    )
    records: list[dict[str, Any]] = [
        {
            "id": event.event_id,
            "account_id": event.account_id,
            "phone": event.phone,
            "contact_id": holders.get((event.account_id, event.phone)),
            "purpose": event.purpose,
            "granted": not event.opted_out,
            "source": event.source,
            "evidence": event.evidence,
            "recorded_at": event.occurred_at,
        }
        for event in foreign
    ]
    await repository.add_new(session, records)


HANDLERS: dict[str, Handler] = {"recipient.consent_changed": Batched(on_consents_changed)}
