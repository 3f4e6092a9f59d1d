"""Contacts are personal data: creating, changing, listing and erasing them is audited
(issue 7, item 8), through the outbox in the action's own transaction. A single read is not."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.models import Contact, ContactTag, ContactValue
from contacts_service.contacts.phones import country_of, to_e164
from contacts_service.contacts.repository import ContactRepository, Search
from contacts_service.contacts.schemas import ContactCreate, ContactUpdate
from contacts_service.db import Outbox
from contacts_service.fields.service import Stored, checked_values
from shared.audit import Auditor, Details
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.outbox import add_event

# The youngest age the platform keeps a recipient of (issue 11: consent of a minor).
MINIMUM_AGE = 14


class ContactExists(ProblemError):
    def __init__(self, phone: str) -> None:
        super().__init__(
            409, "contact_exists", "Contact exists", f"This account has a contact with {phone}"
        )


class MinorNotAllowed(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "minor_not_allowed",
            "Minor not allowed",
            f"The birth date says the recipient is under {MINIMUM_AGE}",
        )


class InvalidBirthDate(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422, "invalid_birth_date", "Invalid birth date", "The birth date is in the future"
        )


def check_birth_date(born: date | None, today: date | None = None) -> None:
    if born is None:
        return
    today = today or datetime.now(UTC).date()
    if born > today:
        raise InvalidBirthDate()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MINIMUM_AGE:
        raise MinorNotAllowed()


def _set_tags(contact: Contact, tags: list[str]) -> None:
    """Keeps the rows of tags that stay, so only the difference is written."""
    kept = [row for row in contact.tag_rows if row.tag in tags]
    have = {row.tag for row in kept}
    added = [
        ContactTag(contact_id=contact.id, account_id=contact.account_id, tag=tag)
        for tag in tags
        if tag not in have
    ]
    contact.tag_rows = sorted(kept + added, key=lambda row: row.tag)


def _set_values(contact: Contact, values: dict[str, Stored | None]) -> None:
    """Merges: the keys given change (None removes one), the others stay."""
    rows = {row.key: row for row in contact.value_rows}
    for key, value in values.items():
        if value is None:
            rows.pop(key, None)
        elif key in rows:
            rows[key].value = value
        else:
            rows[key] = ContactValue(
                contact_id=contact.id, account_id=contact.account_id, key=key, value=value
            )
    contact.value_rows = sorted(rows.values(), key=lambda row: row.key)


async def create_contact(
    session: AsyncSession, account_id: UUID, request: ContactCreate, auditor: Auditor
) -> Contact:
    phone = to_e164(request.phone)
    check_birth_date(request.birth_date)
    values = await checked_values(session, account_id, request.custom)
    repository = ContactRepository(session, account_id)
    if await repository.by_phone(phone) is not None:
        raise ContactExists(phone)
    contact = Contact(
        id=uuid4(),
        account_id=account_id,
        phone=phone,
        name=request.name,
        email=str(request.email) if request.email else None,
        country=request.country or country_of(phone),
        address=request.address,
        birth_date=request.birth_date,
        consented_at=request.consented_at,
        consent_source=request.consent_source,
        created_at=utcnow(),
        tag_rows=[],
        value_rows=[],
    )
    _set_tags(contact, request.tags)
    _set_values(contact, values)
    await _save(session, repository, contact, phone, values)
    # Which fields were given, never their values.
    given = sorted(request.model_fields_set - {"phone"})
    add_event(
        session, Outbox, auditor.event("contact.created", "contact", contact.id, {"fields": given})
    )
    return contact


async def update_contact(
    session: AsyncSession,
    account_id: UUID,
    contact_id: UUID,
    request: ContactUpdate,
    auditor: Auditor,
) -> Contact:
    changes = request.changes()
    check_birth_date(changes.get("birth_date"))
    values = await checked_values(session, account_id, changes.pop("custom", {}))
    repository = ContactRepository(session, account_id)
    contact = await repository.get(contact_id, for_update=True)
    if contact is None:
        raise NotFound("Contact")
    phone = contact.phone
    if "phone" in changes:
        phone = to_e164(changes["phone"])
        if phone != contact.phone and await repository.by_phone(phone) is not None:
            raise ContactExists(phone)
        # A country that came from the old number follows the number; one given stays.
        if "country" not in changes and contact.country == country_of(contact.phone):
            changes["country"] = country_of(phone)
        changes["phone"] = phone
    if changes.get("email") is not None:
        changes["email"] = str(changes["email"])
    tags: list[str] | None = changes.pop("tags", None)

    def change(contact: Contact) -> None:
        if tags is not None:
            _set_tags(contact, tags)
        _set_values(contact, values)
        for field, value in changes.items():
            setattr(contact, field, value)
        contact.updated_at = utcnow()

    await _save(session, repository, contact, phone, values, change)
    details: Details = {"fields": sorted(request.model_fields_set)}
    add_event(session, Outbox, auditor.event("contact.updated", "contact", contact.id, details))
    return contact


async def _save(
    session: AsyncSession,
    repository: ContactRepository,
    contact: Contact,
    phone: str,
    values: dict[str, Stored | None],
    change: Callable[[Contact], None] | None = None,
) -> None:
    """Writes the contact (applying `change` to it first), or raises what a concurrent
    request made of it: ContactExists when the phone was taken meanwhile,
    InvalidCustomField when a field it sets was deleted."""
    # Read before saving: a refused save expires the contact's attributes.
    contact_id, account_id = contact.id, contact.account_id
    if await repository.saved(contact, change):
        return
    holder = await repository.by_phone(phone)
    if holder is not None and holder.id != contact_id:
        raise ContactExists(phone)
    await checked_values(session, account_id, dict.fromkeys(values))
    raise RuntimeError("a contact was refused by a constraint that names neither cause")


async def list_contacts(
    session: AsyncSession,
    account_id: UUID,
    search: Search,
    cursor: str | None,
    limit: int,
    auditor: Auditor,
) -> tuple[list[Contact], str | None]:
    """A page of the matching contacts, newest first, and the next page's cursor (None on
    the last page)."""
    after = decode_cursor(cursor) if cursor else None
    contacts = await ContactRepository(session, account_id).search(search, after, limit + 1)
    page, next_cursor = contacts[:limit], None
    if len(contacts) > limit:
        next_cursor = encode_cursor(page[-1].created_at, page[-1].id)
    # A read of many people's data at once (the way to export them): who, how many, and
    # which filters (their names only: a search text may be a name or a number).
    filters = [name for name, value in vars(search).items() if value is not None]
    details: Details = {"count": len(page), "filters": filters, "first_page": cursor is None}
    add_event(session, Outbox, auditor.event("contact.listed", details=details))
    return page, next_cursor


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
