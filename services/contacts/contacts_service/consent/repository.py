"""All of the consent records' SQL; every query names the account."""

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact
from shared.db import upsert_insert

_NEWEST_FIRST = (ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())


async def current(
    session: AsyncSession, account_id: UUID, phones: Collection[str]
) -> list[ConsentRecord]:
    """The latest record of each number and purpose among `phones`: one query."""
    if not phones:
        return []
    rank = (
        func.row_number()
        .over(partition_by=(ConsentRecord.phone, ConsentRecord.purpose), order_by=_NEWEST_FIRST)
        .label("rank")
    )
    ranked = (
        select(ConsentRecord.id, rank)
        .where(ConsentRecord.account_id == account_id, ConsentRecord.phone.in_(set(phones)))
        .subquery()
    )
    rows = await session.scalars(
        select(ConsentRecord)
        .join(ranked, ranked.c.id == ConsentRecord.id)
        .where(ranked.c.rank == 1)
    )
    return list(rows.all())


async def history(
    session: AsyncSession, account_id: UUID, phone: str, limit: int
) -> Sequence[ConsentRecord]:
    rows = await session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.account_id == account_id, ConsentRecord.phone == phone)
        .order_by(*_NEWEST_FIRST)
        .limit(limit)
    )
    return rows.all()


async def contact_ids(
    session: AsyncSession, numbers: Collection[tuple[UUID, str]]
) -> dict[tuple[UUID, str], UUID]:
    """The contact holding each (account, phone), for those that one does."""
    if not numbers:
        return {}
    rows = await session.execute(
        select(Contact.account_id, Contact.phone, Contact.id).where(
            tuple_(Contact.account_id, Contact.phone).in_(list(numbers))
        )
    )
    return {(account_id, phone): id_ for account_id, phone, id_ in rows.all()}


async def add_new(session: AsyncSession, records: list[dict[str, Any]]) -> None:
    """Insert the records whose id is not stored yet (a replayed event adds nothing)."""
    if records:
        table: Any = ConsentRecord.__table__
        statement = upsert_insert(session, table).on_conflict_do_nothing(
            index_elements=[table.c.id]
        )
        await session.execute(statement, records)
