"""The SQL of contacts' retention: each call touches at most `limit` rows of one table."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Select, Table, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact
from contacts_service.fields.models import CustomField
from contacts_service.groups.models import ContactGroup
from contacts_service.imports.models import ContactImport
from contacts_service.retention.models import AccountStateRow
from contacts_service.unsubscribe.models import UnsubscribeToken
from shared.events import AccountStateChanged
from shared.retention import apply_account_states


async def apply_states(session: AsyncSession, events: Sequence[AccountStateChanged]) -> None:
    await apply_account_states(session, cast(Table, AccountStateRow.__table__), events)


def closed_before(cutoff: datetime) -> Select[UUID]:
    # A reopened account's row says active again: its clock stops.
    return select(AccountStateRow.account_id).where(
        AccountStateRow.state == "closed", AccountStateRow.changed_at < cutoff
    )


async def _delete(session: AsyncSession, model: Any, key: Any, cutoff: datetime, limit: int) -> int:
    chosen = (
        select(key)
        .where(model.account_id.in_(closed_before(cutoff)))
        .limit(limit)
        .scalar_subquery()
    )
    result = cast(CursorResult[Any], await session.execute(delete(model).where(key.in_(chosen))))
    return result.rowcount


async def delete_contacts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Contacts of accounts closed before `cutoff`; tags, custom values and group
    memberships go with them (ON DELETE CASCADE)."""
    return await _delete(session, Contact, Contact.id, cutoff, limit)


async def delete_consent_records(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    return await _delete(session, ConsentRecord, ConsentRecord.id, cutoff, limit)


async def delete_unsubscribe_tokens(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    return await _delete(session, UnsubscribeToken, UnsubscribeToken.token, cutoff, limit)


async def delete_groups(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    return await _delete(session, ContactGroup, ContactGroup.id, cutoff, limit)


async def delete_custom_fields(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    # Keyed by (account_id, key): a row value, which both databases compare.
    chosen = (
        select(CustomField.account_id, CustomField.key)
        .where(CustomField.account_id.in_(closed_before(cutoff)))
        .limit(limit)
    )
    key = tuple_(CustomField.account_id, CustomField.key)
    result = cast(
        CursorResult[Any], await session.execute(delete(CustomField).where(key.in_(chosen)))
    )
    return result.rowcount


async def imports_of_closed(session: AsyncSession, cutoff: datetime, limit: int) -> list[UUID]:
    return list(
        await session.scalars(
            select(ContactImport.id)
            .where(ContactImport.account_id.in_(closed_before(cutoff)))
            .limit(limit)
        )
    )


async def delete_imports(session: AsyncSession, ids: list[UUID]) -> None:
    await session.execute(delete(ContactImport).where(ContactImport.id.in_(ids)))
