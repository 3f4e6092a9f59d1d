from collections.abc import Sequence
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.groups import repository
from contacts_service.groups.models import ContactGroup
from contacts_service.groups.schemas import GroupResponse, GroupWrite
from shared.errors import NotFound, ProblemError
from shared.events import utcnow


class GroupNameTaken(ProblemError):
    def __init__(self, name: str) -> None:
        super().__init__(
            409,
            "group_name_taken",
            "Group name taken",
            f"The account already has a group named {name!r}",
        )


class UnknownContacts(ProblemError):
    def __init__(self, contact_ids: Sequence[UUID]) -> None:
        super().__init__(
            422,
            "unknown_contacts",
            "Unknown contacts",
            f"{len(contact_ids)} of the ids are not this account's contacts; nothing changed",
            contact_ids=[str(contact_id) for contact_id in contact_ids],
        )


def _response(group: ContactGroup, member_count: int) -> GroupResponse:
    return GroupResponse(
        id=group.id,
        name=group.name,
        member_count=member_count,
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


async def create(session: AsyncSession, account_id: UUID, body: GroupWrite) -> GroupResponse:
    group = ContactGroup(id=uuid4(), account_id=account_id, name=body.name, created_at=utcnow())
    if not await repository.saved(session, group):
        raise GroupNameTaken(body.name)
    return _response(group, 0)


async def list_all(session: AsyncSession, account_id: UUID) -> list[GroupResponse]:
    rows = await repository.list_with_counts(session, account_id)
    return [_response(group, count) for group, count in rows]


async def get(session: AsyncSession, account_id: UUID, group_id: UUID) -> GroupResponse:
    group = await _group(session, account_id, group_id)
    return _response(group, await repository.member_count(session, group.id))


async def rename(
    session: AsyncSession, account_id: UUID, group_id: UUID, body: GroupWrite
) -> GroupResponse:
    group = await _group(session, account_id, group_id, for_update=True)
    if not await repository.saved(session, group, body.name):
        raise GroupNameTaken(body.name)
    return _response(group, await repository.member_count(session, group.id))


async def delete(session: AsyncSession, account_id: UUID, group_id: UUID) -> None:
    group = await _group(session, account_id, group_id, for_update=True)
    await repository.remove(session, group)


async def add_members(
    session: AsyncSession, account_id: UUID, group_id: UUID, contact_ids: Sequence[UUID]
) -> GroupResponse:
    group, ids = await _members_of_account(session, account_id, group_id, contact_ids)
    await repository.add_members(session, group.id, ids)
    return _response(group, await repository.member_count(session, group.id))


async def remove_members(
    session: AsyncSession, account_id: UUID, group_id: UUID, contact_ids: Sequence[UUID]
) -> GroupResponse:
    group, ids = await _members_of_account(session, account_id, group_id, contact_ids)
    await repository.remove_members(session, group.id, ids)
    return _response(group, await repository.member_count(session, group.id))


async def _group(
    session: AsyncSession, account_id: UUID, group_id: UUID, for_update: bool = False
) -> ContactGroup:
    group = await repository.get(session, account_id, group_id, for_update=for_update)
    if group is None:
        # The same answer for "doesn't exist" and "another account's": ids don't leak.
        raise NotFound("Group")
    return group


async def _members_of_account(
    session: AsyncSession, account_id: UUID, group_id: UUID, contact_ids: Sequence[UUID]
) -> tuple[ContactGroup, list[UUID]]:
    """The group, locked so that concurrent changes to it come one after the other, and the
    ids once each; UnknownContacts, before anything changes, for any that is not one of the
    account's contacts (another account's is as unknown as one that never existed)."""
    group = await _group(session, account_id, group_id, for_update=True)
    ids = list(dict.fromkeys(contact_ids))
    own = await repository.own_contacts(session, account_id, ids)
    unknown = [contact_id for contact_id in ids if contact_id not in own]
    if unknown:
        raise UnknownContacts(unknown)
    return group, ids
