from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.models import Contact


class ContactRepository:
    """Every query is scoped to one account: no method can reach another tenant's rows."""

    def __init__(self, session: AsyncSession, account_id: UUID) -> None:
        self._session = session
        self._account_id = account_id

    async def add(self, contact: Contact) -> None:
        assert contact.account_id == self._account_id
        self._session.add(contact)
        await self._session.flush()

    async def by_phone(self, phone: str) -> Contact | None:
        contact: Contact | None = await self._session.scalar(
            select(Contact).where(Contact.account_id == self._account_id, Contact.phone == phone)
        )
        return contact

    async def get(self, contact_id: UUID) -> Contact | None:
        contact: Contact | None = await self._session.scalar(
            select(Contact).where(Contact.account_id == self._account_id, Contact.id == contact_id)
        )
        return contact

    async def page(self, limit: int, offset: int) -> tuple[list[Contact], int]:
        mine = Contact.account_id == self._account_id
        total = await self._session.scalar(select(func.count()).select_from(Contact).where(mine))
        rows = await self._session.scalars(
            select(Contact)
            .where(mine)
            .order_by(Contact.created_at.desc(), Contact.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), total or 0

    async def delete(self, contact_id: UUID) -> bool:
        result = cast(
            CursorResult[Any],
            await self._session.execute(
                delete(Contact).where(
                    Contact.account_id == self._account_id, Contact.id == contact_id
                )
            ),
        )
        return bool(result.rowcount)
