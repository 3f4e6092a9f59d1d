from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.models import Contact
from contacts_service.contacts.phones import to_e164
from contacts_service.contacts.repository import ContactRepository
from contacts_service.contacts.schemas import ContactCreate
from shared.errors import NotFound, ProblemError


class ContactExists(ProblemError):
    def __init__(self, phone: str) -> None:
        super().__init__(
            409, "contact_exists", "Contact exists", f"This account has a contact with {phone}"
        )


async def create_contact(
    session: AsyncSession, account_id: UUID, request: ContactCreate
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
    return contact


async def list_contacts(
    session: AsyncSession, account_id: UUID, limit: int, offset: int
) -> tuple[list[Contact], int]:
    return await ContactRepository(session, account_id).page(limit, offset)


async def get_contact(session: AsyncSession, account_id: UUID, contact_id: UUID) -> Contact:
    # Another account's contact is "not found", never "forbidden": ids don't leak existence.
    contact = await ContactRepository(session, account_id).get(contact_id)
    if contact is None:
        raise NotFound("Contact")
    return contact


async def delete_contact(session: AsyncSession, account_id: UUID, contact_id: UUID) -> None:
    if not await ContactRepository(session, account_id).delete(contact_id):
        raise NotFound("Contact")
