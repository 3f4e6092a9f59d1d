from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.senders.models import DefaultSenderRow, SenderNameRow
from shared.db import upsert_insert

APPROVED = "approved"
# A name in one of these states blocks the same account from asking for it again.
OPEN_STATES = ("pending", APPROVED)


async def add(session: AsyncSession, row: SenderNameRow) -> None:
    session.add(row)
    await session.flush()


async def get(session: AsyncSession, sender_id: UUID) -> SenderNameRow | None:
    return await session.get(SenderNameRow, sender_id)


async def get_for_account(
    session: AsyncSession, account_id: UUID, sender_id: UUID
) -> SenderNameRow | None:
    row = await session.get(SenderNameRow, sender_id)
    return row if row is not None and row.account_id == account_id else None


async def list_for_account(session: AsyncSession, account_id: UUID) -> Sequence[SenderNameRow]:
    # An account asks for a handful of names, so the list needs no paging.
    rows = await session.scalars(
        select(SenderNameRow)
        .where(SenderNameRow.account_id == account_id)
        .order_by(SenderNameRow.created_at.desc(), SenderNameRow.id)
    )
    return rows.all()


async def list_by_state(
    session: AsyncSession, state: str | None, limit: int, offset: int
) -> Sequence[SenderNameRow]:
    """Oldest first: the queue operators work through."""
    statement = select(SenderNameRow).order_by(SenderNameRow.created_at, SenderNameRow.id)
    if state is not None:
        statement = statement.where(SenderNameRow.state == state)
    rows = await session.scalars(statement.limit(limit).offset(offset))
    return rows.all()


async def open_with_key(
    session: AsyncSession, account_id: UUID, name_key: str
) -> SenderNameRow | None:
    """The account's pending or approved name with this key, if any."""
    return await session.scalar(
        select(SenderNameRow)
        .where(
            SenderNameRow.account_id == account_id,
            SenderNameRow.name_key == name_key,
            SenderNameRow.state.in_(OPEN_STATES),
        )
        .limit(1)
    )


async def approved_holder(session: AsyncSession, name_key: str) -> UUID | None:
    """The account this name is approved for, if any."""
    return await session.scalar(
        select(SenderNameRow.account_id).where(
            SenderNameRow.name_key == name_key, SenderNameRow.state == APPROVED
        )
    )


async def is_approved(session: AsyncSession, account_id: UUID, name: str) -> bool:
    found = await session.scalar(
        select(SenderNameRow.id)
        .where(
            SenderNameRow.account_id == account_id,
            SenderNameRow.name == name,
            SenderNameRow.state == APPROVED,
        )
        .limit(1)
    )
    return found is not None


async def move(
    session: AsyncSession, sender_id: UUID, from_states: Sequence[str], **values: Any
) -> bool:
    """Set `values` on the name if it is still in one of `from_states` (forward only, so a
    decision racing another on the same name finds it taken); False when it was not."""
    result = await session.execute(
        update(SenderNameRow)
        .where(SenderNameRow.id == sender_id, SenderNameRow.state.in_(from_states))
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def approve(session: AsyncSession, sender_id: UUID, **values: Any) -> bool | None:
    """Approve a pending name: True; False when it is no longer pending; None (nothing
    written) when the name is approved for another account meanwhile, as the unique
    index decides: in a savepoint, so the request's transaction goes on."""
    try:
        async with session.begin_nested():
            return await move(session, sender_id, ("pending",), state=APPROVED, **values)
    except IntegrityError:
        return None


async def default_of(session: AsyncSession, account_id: UUID) -> UUID | None:
    return await session.scalar(
        select(DefaultSenderRow.sender_id).where(DefaultSenderRow.account_id == account_id)
    )


async def set_default(session: AsyncSession, account_id: UUID, sender_id: UUID) -> None:
    table = DefaultSenderRow.__table__
    insert = upsert_insert(session, table)
    await session.execute(
        insert.values(account_id=account_id, sender_id=sender_id).on_conflict_do_update(
            index_elements=[table.c.account_id], set_={"sender_id": insert.excluded.sender_id}
        )
    )


async def clear_default(session: AsyncSession, sender_id: UUID) -> None:
    """No account's default is this name any longer (it was withdrawn or revoked)."""
    await session.execute(delete(DefaultSenderRow).where(DefaultSenderRow.sender_id == sender_id))


async def approved_by_account(
    session: AsyncSession,
) -> dict[UUID, tuple[frozenset[str], str | None]]:
    """Every account's approved names and its default among them: what intake checks."""
    rows = await session.execute(
        select(SenderNameRow.account_id, SenderNameRow.name, DefaultSenderRow.sender_id)
        .outerjoin(DefaultSenderRow, DefaultSenderRow.sender_id == SenderNameRow.id)
        .where(SenderNameRow.state == APPROVED)
    )
    names: dict[UUID, set[str]] = {}
    defaults: dict[UUID, str] = {}
    for account_id, name, default_id in rows:
        names.setdefault(account_id, set()).add(name)
        if default_id is not None:
            defaults[account_id] = name
    return {
        account_id: (frozenset(approved), defaults.get(account_id))
        for account_id, approved in names.items()
    }
