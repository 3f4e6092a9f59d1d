"""All of the custom fields' SQL; every query names the account."""

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.fields.models import CustomField


async def list_for_account(session: AsyncSession, account_id: UUID) -> Sequence[CustomField]:
    statement = (
        select(CustomField).where(CustomField.account_id == account_id).order_by(CustomField.key)
    )
    return (await session.scalars(statement)).all()


async def count(session: AsyncSession, account_id: UUID) -> int:
    statement = select(func.count()).where(CustomField.account_id == account_id)
    return await session.scalar(statement) or 0


async def saved(session: AsyncSession, field: CustomField) -> bool:
    """Write the new field; False if the account has one with its key."""
    try:
        async with session.begin_nested():
            session.add(field)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def remove(session: AsyncSession, account_id: UUID, key: str) -> bool:
    result = cast(
        CursorResult[Any],
        await session.execute(
            delete(CustomField).where(CustomField.account_id == account_id, CustomField.key == key)
        ),
    )
    return bool(result.rowcount)
