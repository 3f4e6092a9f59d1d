from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from contacts_service.contacts.models import Contact


def _with_details(statement: Select[Contact]) -> Select[Contact]:
    return statement.options(selectinload(Contact.tag_rows), selectinload(Contact.value_rows))


class ContactRepository:
    """Every query is scoped to one account: no method can reach another tenant's rows."""

    def __init__(self, session: AsyncSession, account_id: UUID) -> None:
        self._session = session
        self._account_id = account_id

    async def add(self, contact: Contact) -> None:
        assert contact.account_id == self._account_id
        self._session.add(contact)
        await self._session.flush()

    async def flush(self) -> None:
        await self._session.flush()

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

    async def page(self, limit: int, offset: int) -> tuple[list[Contact], int]:
        mine = Contact.account_id == self._account_id
        total = await self._session.scalar(select(func.count()).select_from(Contact).where(mine))
        rows = await self._session.scalars(
            _with_details(select(Contact))
            .where(mine)
            .order_by(Contact.created_at.desc(), Contact.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.all()), total or 0

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
