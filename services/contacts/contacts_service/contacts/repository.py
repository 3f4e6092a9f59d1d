import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, delete, exists, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from contacts_service.contacts.models import Contact, ContactTag
from contacts_service.groups.models import GroupMember

# What people type around a number's digits: "+44 (0)7700 900-123".
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")


@dataclass(frozen=True)
class Search:
    """A list's filters, all optional, all of them applying."""

    q: str | None = None  # in the name, e-mail or phone, whatever the case
    tag: str | None = None
    group_id: UUID | None = None


def _with_details(statement: Select[Contact]) -> Select[Contact]:
    return statement.options(selectinload(Contact.tag_rows), selectinload(Contact.value_rows))


class ContactRepository:
    """Every query is scoped to one account: no method can reach another tenant's rows."""

    def __init__(self, session: AsyncSession, account_id: UUID) -> None:
        self._session = session
        self._account_id = account_id

    async def saved(
        self, contact: Contact, change: Callable[[Contact], None] | None = None
    ) -> bool:
        """Write the new contact, or `change` to a loaded one; False if a constraint
        refused it (its phone taken, a custom field deleted meanwhile), nothing written.

        The change is made inside the savepoint: begin_nested() flushes what is pending
        first, so a change made before it would fail outside the savepoint and break the
        whole transaction instead of this write."""
        assert contact.account_id == self._account_id
        try:
            async with self._session.begin_nested():
                if change is not None:
                    change(contact)
                self._session.add(contact)
                await self._session.flush()
        except IntegrityError:
            return False
        return True

    async def by_phone(self, phone: str) -> Contact | None:
        contact: Contact | None = await self._session.scalar(
            select(Contact).where(Contact.account_id == self._account_id, Contact.phone == phone)
        )
        return contact

    async def get(self, contact_id: UUID, for_update: bool = False) -> Contact | None:
        statement = _with_details(
            select(Contact).where(Contact.account_id == self._account_id, Contact.id == contact_id)
        )
        if for_update:
            statement = statement.with_for_update()
        contact: Contact | None = await self._session.scalar(statement)
        return contact

    async def search(
        self, search: Search, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Contact]:
        """The contacts that match, newest first, those older than `after` (a contact's
        (created_at, id)), at most `limit`."""
        statement = _with_details(select(Contact)).where(Contact.account_id == self._account_id)
        if search.q:
            matches = [
                Contact.name.icontains(search.q, autoescape=True),
                Contact.email.icontains(search.q, autoescape=True),
            ]
            digits = _PHONE_PUNCTUATION.sub("", search.q)
            if digits:
                matches.append(Contact.phone.contains(digits, autoescape=True))
            statement = statement.where(or_(*matches))
        if search.tag:
            statement = statement.where(
                exists().where(ContactTag.contact_id == Contact.id, ContactTag.tag == search.tag)
            )
        if search.group_id:
            statement = statement.where(
                exists().where(
                    GroupMember.contact_id == Contact.id, GroupMember.group_id == search.group_id
                )
            )
        if after is not None:
            statement = statement.where(tuple_(Contact.created_at, Contact.id) < after)
        rows = await self._session.scalars(
            statement.order_by(Contact.created_at.desc(), Contact.id.desc()).limit(limit)
        )
        return list(rows.all())

    async def delete(self, contact_id: UUID) -> bool:
        # Its tags and custom values go with it: ON DELETE CASCADE.
        result = cast(
            CursorResult[Any],
            await self._session.execute(
                delete(Contact).where(
                    Contact.account_id == self._account_id, Contact.id == contact_id
                )
            ),
        )
        return bool(result.rowcount)
