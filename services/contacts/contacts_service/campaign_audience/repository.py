"""The audience's SQL; every query names the account."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.campaign_audience.models import AudienceJob
from contacts_service.contacts.models import Contact, ContactValue
from contacts_service.groups.models import ContactGroup, GroupMember
from shared.db import is_postgres, upsert_insert


async def add_job(session: AsyncSession, row: dict[str, Any]) -> None:
    """A request seen again (a replay past the inbox) adds nothing; a newer generation of
    it (dispatch asked again, having had no answer) starts the job over from the first
    contact, whatever the older one had done."""
    table: Any = AudienceJob.__table__
    insert = upsert_insert(session, table)
    restarted = {
        key: insert.excluded[key]
        for key in (
            "generation",
            "group_ids",
            "purpose",
            "fields",
            "after_contact_id",
            "next_chunk",
            "recipients",
            "done",
        )
    }
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.campaign_id],
        set_={**restarted, "finished_at": None},
        where=table.c.generation < insert.excluded.generation,
    )
    await session.execute(statement, [row])


async def open_job_ids(session: AsyncSession) -> list[UUID]:
    rows = await session.scalars(
        select(AudienceJob.campaign_id)
        .where(AudienceJob.done.is_(False))
        .order_by(AudienceJob.created_at)
    )
    return list(rows.all())


async def lock_job(session: AsyncSession, campaign_id: UUID) -> AudienceJob | None:
    """The job, locked for this chunk's transaction; None if another worker holds it or it
    is done."""
    statement = select(AudienceJob).where(
        AudienceJob.campaign_id == campaign_id, AudienceJob.done.is_(False)
    )
    if is_postgres(session):
        statement = statement.with_for_update(skip_locked=True)
    job: AudienceJob | None = await session.scalar(statement)
    return job


async def members_page(
    session: AsyncSession,
    account_id: UUID,
    group_ids: Sequence[UUID],
    after: UUID | None,
    limit: int,
) -> list[Contact]:
    """The next `limit` distinct contacts in any of the account's `group_ids`, by id: a
    contact in two groups is one recipient. Another account's group matches nothing."""
    members = (
        select(GroupMember.contact_id)
        .join(ContactGroup, ContactGroup.id == GroupMember.group_id)
        .where(ContactGroup.account_id == account_id, ContactGroup.id.in_(list(group_ids)))
    )
    statement = select(Contact).where(Contact.account_id == account_id, Contact.id.in_(members))
    if after is not None:
        statement = statement.where(Contact.id > after)
    rows = await session.scalars(statement.order_by(Contact.id).limit(limit))
    return list(rows.all())


async def values_of(
    session: AsyncSession, account_id: UUID, contact_ids: Sequence[UUID], keys: Sequence[str]
) -> dict[UUID, dict[str, str]]:
    """The values of custom fields `keys` of a page of contacts, as text, per contact."""
    if not contact_ids or not keys:
        return {}
    rows = await session.execute(
        select(ContactValue.contact_id, ContactValue.key, ContactValue.value).where(
            ContactValue.account_id == account_id,
            ContactValue.contact_id.in_(contact_ids),
            ContactValue.key.in_(list(keys)),
        )
    )
    values: dict[UUID, dict[str, str]] = {}
    for contact_id, key, value in rows.all():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        values.setdefault(contact_id, {})[key] = text
    return values
