"""Contacts are personal data: creating, listing and erasing them is audited (issue 7,
item 8), through the outbox in the action's own transaction. A single read is not."""

from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.models import Contact
from contacts_service.contacts.phones import to_e164
from contacts_service.contacts.repository import ContactRepository
from contacts_service.contacts.schemas import ContactCreate
from contacts_service.db import Outbox
from shared.audit import Auditor, Details
from shared.errors import NotFound, ProblemError
from shared.outbox import add_event


class ContactExists(ProblemError):
    def __init__(self, phone: str) -> None:
        super().__init__(
            409, "contact_exists", "Contact exists", f"This account has a contact with {phone}"
        )


async def create_contact(
    session: AsyncSession, account_id: UUID, request: ContactCreate, auditor: Auditor
) -> Contact:
    phone = to_e164(request.phone)
    repository = ContactRepository(session, account_id)
    if await repository.by_phone(phone) is not None:
        raise ContactExists(phone)
    contact = Contact(
        id=uuid4(),
        account_id=account_id,
        phone=phone,
        name=request.name,
        email=str(request.email) if request.email else None,
        consented_at=request.consented_at,
        consent_source=request.consent_source,
    )
    try:
        await repository.add(contact)
    except IntegrityError as exc:  # a concurrent request added the same phone first
        raise ContactExists(phone) from exc
    # Which fields were given, never their values.
    given = sorted(request.model_fields_set - {"phone"})
    add_event(
        session, Outbox, auditor.event("contact.created", "contact", contact.id, {"fields": given})
    )
    return contact


async def list_contacts(
    session: AsyncSession, account_id: UUID, limit: int, offset: int, auditor: Auditor
) -> tuple[list[Contact], int]:
    contacts, total = await ContactRepository(session, account_id).page(limit, offset)
    # A read of many people's data at once (the way to export them): who, and how many.
    details: Details = {"count": len(contacts), "offset": offset}
    add_event(session, Outbox, auditor.event("contact.listed", details=details))
    return contacts, total


async def get_contact(session: AsyncSession, account_id: UUID, contact_id: UUID) -> Contact:
    # Another account's contact is "not found", never "forbidden": ids don't leak existence.
    contact = await ContactRepository(session, account_id).get(contact_id)
    if contact is None:
        raise NotFound("Contact")
    return contact


async def delete_contact(
    session: AsyncSession, account_id: UUID, contact_id: UUID, auditor: Auditor
) -> None:
    if not await ContactRepository(session, account_id).delete(contact_id):
        raise NotFound("Contact")
    add_event(session, Outbox, auditor.event("contact.deleted", "contact", contact_id))
