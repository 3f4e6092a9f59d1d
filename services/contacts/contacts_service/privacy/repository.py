"""All of the privacy exports' SQL; every query names the account."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact, ContactTag, ContactValue
from contacts_service.groups.models import ContactGroup, GroupMember
from contacts_service.privacy.models import PrivacyExport
from shared.export_stream import ExportQuery


async def get(session: AsyncSession, account_id: UUID, export_id: UUID) -> PrivacyExport | None:
    return await session.scalar(
        select(PrivacyExport).where(
            PrivacyExport.account_id == account_id, PrivacyExport.id == export_id
        )
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    # Pending, or running under a lease that passed: its worker is gone. A running row with
    # no lease at all was claimed before leases existed, by a worker long gone.
    return or_(
        PrivacyExport.state == "pending",
        and_(
            PrivacyExport.state == "running",
            or_(PrivacyExport.lease_until.is_(None), PrivacyExport.lease_until < now),
        ),
    )


async def claimable_ids(session: AsyncSession, now: datetime) -> list[UUID]:
    rows = await session.scalars(
        select(PrivacyExport.id).where(_claimable(now)).order_by(PrivacyExport.created_at)
    )
    return list(rows.all())


async def claim(
    session: AsyncSession, export_id: UUID, owner: UUID, now: datetime, lease: timedelta
) -> PrivacyExport | None:
    """The export, now running under `owner`'s lease, if it was claimable: one worker only
    (replicas poll the same table, and the row lock orders them)."""
    statement = (
        select(PrivacyExport)
        .where(PrivacyExport.id == export_id, _claimable(now))
        .with_for_update(skip_locked=True)
    )
    export: PrivacyExport | None = await session.scalar(statement)
    if export is None:
        return None
    export.state, export.lease_owner, export.lease_until = "running", owner, now + lease
    export.attempts += 1
    return export


async def extend_lease(
    session: AsyncSession, export_id: UUID, owner: UUID, until: datetime
) -> bool:
    """False when the export is no longer this worker's (taken over, withdrawn, done)."""
    result = await session.execute(
        update(PrivacyExport)
        .where(
            PrivacyExport.id == export_id,
            PrivacyExport.lease_owner == owner,
            PrivacyExport.state == "running",
        )
        .values(lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def lock_own(session: AsyncSession, export_id: UUID, owner: UUID) -> PrivacyExport | None:
    """The export, locked, if it is still running under this worker's claim."""
    export: PrivacyExport | None = await session.scalar(
        select(PrivacyExport)
        .where(
            PrivacyExport.id == export_id,
            PrivacyExport.lease_owner == owner,
            PrivacyExport.state == "running",
        )
        .with_for_update()
    )
    return export


async def expired(session: AsyncSession, now: datetime) -> list[PrivacyExport]:
    rows = await session.scalars(
        select(PrivacyExport).where(PrivacyExport.state == "ready", PrivacyExport.expires_at < now)
    )
    return list(rows.all())


def export_queries(account_id: UUID, phone: str | None) -> list[ExportQuery]:
    """Contacts' own part: the number's contact (or every contact), its tags, custom values,
    groups and consent records."""
    contacts = Contact.__table__
    tags = ContactTag.__table__
    values = ContactValue.__table__
    members = GroupMember.__table__
    groups = ContactGroup.__table__
    consents = ConsentRecord.__table__
    chosen = select(contacts.c.id).where(contacts.c.account_id == account_id)
    consent = select(consents).where(consents.c.account_id == account_id)
    if phone is not None:
        chosen = chosen.where(contacts.c.phone == phone)
        consent = consent.where(consents.c.phone == phone)
    ids = chosen.scalar_subquery()
    return [
        ExportQuery(
            "contacts",
            select(contacts).where(contacts.c.id.in_(ids)).order_by(contacts.c.created_at),
        ),
        ExportQuery(
            "contact_tags",
            select(tags.c.contact_id, tags.c.tag)
            .where(tags.c.contact_id.in_(ids))
            .order_by(tags.c.contact_id, tags.c.tag),
        ),
        ExportQuery(
            "contact_custom_values",
            select(values.c.contact_id, values.c.key, values.c.value)
            .where(values.c.contact_id.in_(ids))
            .order_by(values.c.contact_id, values.c.key),
        ),
        ExportQuery(
            "contact_groups",
            select(members.c.contact_id, groups.c.id.label("group_id"), groups.c.name)
            .join(groups, groups.c.id == members.c.group_id)
            .where(groups.c.account_id == account_id, members.c.contact_id.in_(ids))
            .order_by(members.c.contact_id, groups.c.name),
        ),
        ExportQuery(
            "consent_records",
            consent.order_by(consents.c.phone, consents.c.recorded_at, consents.c.id),
        ),
    ]
