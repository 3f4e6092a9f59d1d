"""All of the groups' SQL; every query names the account, so tenants see only theirs."""

from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.contacts.models import Contact
from contacts_service.groups.models import ContactGroup, GroupMember
from shared.db import upsert_insert
from shared.events import utcnow


async def saved(session: AsyncSession, group: ContactGroup, name: str | None = None) -> bool:
    """Write the new group, or rename a loaded one; False if the name is taken in the
    account, with nothing written. The rename happens inside the savepoint: begin_nested()
    flushes pending changes first, outside it."""
    try:
        async with session.begin_nested():
            if name is not None:
                group.name = name
                group.updated_at = utcnow()
            session.add(group)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def get(
    session: AsyncSession, account_id: UUID, group_id: UUID, for_update: bool = False
) -> ContactGroup | None:
    statement = select(ContactGroup).where(
        ContactGroup.account_id == account_id, ContactGroup.id == group_id
    )
    if for_update:
        statement = statement.with_for_update()
    group: ContactGroup | None = await session.scalar(statement)
    return group


async def list_with_counts(
    session: AsyncSession, account_id: UUID
) -> Sequence[tuple[ContactGroup, int]]:
    statement = (
        select(ContactGroup, func.count(GroupMember.contact_id))
        .outerjoin(GroupMember, GroupMember.group_id == ContactGroup.id)
        .where(ContactGroup.account_id == account_id)
        .group_by(ContactGroup.id)
        .order_by(ContactGroup.name)
    )
    return [(group, count) for group, count in (await session.execute(statement)).all()]


async def member_count(session: AsyncSession, group_id: UUID) -> int:
    statement = select(func.count()).where(GroupMember.group_id == group_id)
    return await session.scalar(statement) or 0


async def own_contacts(
    session: AsyncSession, account_id: UUID, contact_ids: Collection[UUID]
) -> set[UUID]:
    """Those of `contact_ids` that are the account's contacts, share-locked so that none
    is erased before the memberships naming it are written (FOR SHARE; SQLite has no row
    locks and needs none: it writes one transaction at a time)."""
    statement = (
        select(Contact.id)
        .where(Contact.account_id == account_id, Contact.id.in_(contact_ids))
        .with_for_update(read=True)
    )
    return set((await session.scalars(statement)).all())


async def add_members(session: AsyncSession, group_id: UUID, contact_ids: Collection[UUID]) -> None:
    rows = [{"group_id": group_id, "contact_id": contact_id} for contact_id in contact_ids]
    # Members already in the group stay as they are: adding is idempotent.
    await session.execute(
        upsert_insert(session, GroupMember.__table__).values(rows).on_conflict_do_nothing()
    )


async def remove_members(
    session: AsyncSession, group_id: UUID, contact_ids: Collection[UUID]
) -> None:
    await session.execute(
        delete(GroupMember).where(
            GroupMember.group_id == group_id, GroupMember.contact_id.in_(contact_ids)
        )
    )


async def remove(session: AsyncSession, group: ContactGroup) -> None:
    # Its memberships go with it (ON DELETE CASCADE); the contacts stay.
    await session.execute(delete(ContactGroup).where(ContactGroup.id == group.id))
