"""The account records consent on its contacts; what it records is published, in the same
transaction, as `recipient.consent_changed`, which dispatch enforces (a withdrawn marketing
consent refuses marketing messages to the number)."""

from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent import repository
from contacts_service.consent.models import ConsentRecord
from contacts_service.consent.schemas import ConsentState, ConsentWrite, ContactConsent, Source
from contacts_service.contacts.models import Contact
from contacts_service.contacts.repository import ContactRepository
from contacts_service.db import Outbox
from shared.audit import Auditor, Details
from shared.errors import NotFound
from shared.events import ConsentPurpose, RecipientConsentChanged, utcnow
from shared.outbox import add_event


async def _contact(session: AsyncSession, account_id: UUID, contact_id: UUID) -> Contact:
    # Another account's contact is "not found": ids don't leak existence.
    contact = await ContactRepository(session, account_id).get(contact_id)
    if contact is None:
        raise NotFound("Contact")
    return contact


async def record(
    session: AsyncSession,
    account_id: UUID,
    contact_id: UUID,
    request: ConsentWrite,
    auditor: Auditor,
) -> ConsentRecord:
    contact = await _contact(session, account_id, contact_id)
    consent = add_record(
        session,
        account_id=account_id,
        phone=contact.phone,
        contact_id=contact.id,
        purpose=request.purpose,
        granted=request.granted,
        source=request.source,
        evidence=request.evidence,
        # The contact, not the account's evidence text: the text stays in this service.
        published_evidence=f"contact:{contact.id}",
    )
    details: Details = {
        "purpose": request.purpose,
        "granted": request.granted,
        "source": request.source,
    }
    add_event(
        session, Outbox, auditor.event("contact.consent_recorded", "contact", contact.id, details)
    )
    return consent


def add_record(
    session: AsyncSession,
    *,
    account_id: UUID,
    phone: str,
    contact_id: UUID | None,
    purpose: ConsentPurpose,
    granted: bool,
    source: Source,
    evidence: str | None,
    published_evidence: str | None,
) -> ConsentRecord:
    """Record a change made here, and publish it in the same transaction."""
    event = RecipientConsentChanged(
        account_id=account_id,
        phone=phone,
        purpose=purpose,
        opted_out=not granted,
        source=source,
        evidence=published_evidence,
        occurred_at=utcnow(),
    )
    consent = ConsentRecord(
        id=event.event_id,
        account_id=account_id,
        phone=phone,
        contact_id=contact_id,
        purpose=purpose,
        granted=granted,
        source=source,
        evidence=evidence,
        recorded_at=event.occurred_at,
    )
    session.add(consent)
    add_event(session, Outbox, event)
    return consent


async def history(
    session: AsyncSession, account_id: UUID, contact_id: UUID, limit: int
) -> Sequence[ConsentRecord]:
    """The records of the contact's number, newest first, those from before the contact
    was added (a STOP reply) included."""
    contact = await _contact(session, account_id, contact_id)
    return await repository.history(session, account_id, contact.phone, limit)


async def withdrawn(session: AsyncSession, account_id: UUID, phone: str, purpose: str) -> bool:
    """Whether the number's current consent of `purpose` is a withdrawal."""
    latest = await repository.current(session, account_id, [phone])
    return any(record.purpose == purpose and not record.granted for record in latest)


async def of_numbers(
    session: AsyncSession, account_id: UUID, phones: Collection[str]
) -> dict[str, ContactConsent]:
    """Each number's current consent per purpose; a number without records is absent."""
    states: dict[str, ContactConsent] = {}
    for latest in await repository.current(session, account_id, phones):
        consent = states.setdefault(latest.phone, ContactConsent())
        setattr(consent, latest.purpose, ConsentState.of(latest))
    return states
