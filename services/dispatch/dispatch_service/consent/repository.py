from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.consent.models import RecipientConsentRow
from shared.db import upsert_insert
from shared.events import RecipientConsentChanged


async def apply(session: AsyncSession, events: Sequence[RecipientConsentChanged]) -> None:
    """Store each number's latest consent among `events`, unless the stored one is newer."""
    latest: dict[tuple[UUID, str, str], RecipientConsentChanged] = {}
    for event in events:
        key = (event.account_id, event.phone, event.purpose)
        seen = latest.get(key)
        if seen is None or event.occurred_at >= seen.occurred_at:
            latest[key] = event
    if not latest:
        return
    table = RecipientConsentRow.__table__
    insert = upsert_insert(session, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.phone, table.c.purpose],
        set_={"opted_out": insert.excluded.opted_out, "changed_at": insert.excluded.changed_at},
        where=insert.excluded.changed_at >= table.c.changed_at,
    )
    rows = [
        {
            "account_id": event.account_id,
            "phone": event.phone,
            "purpose": event.purpose,
            "opted_out": event.opted_out,
            "changed_at": event.occurred_at,
        }
        for event in latest.values()
    ]
    await session.execute(statement, rows)


async def opted_out(
    session: AsyncSession, account_id: UUID, phones: Collection[str], purpose: str
) -> set[str]:
    """Which of `phones` opted out of the account's messages of `purpose`: one query."""
    if not phones:
        return set()
    rows = await session.scalars(
        select(RecipientConsentRow.phone).where(
            RecipientConsentRow.account_id == account_id,
            RecipientConsentRow.purpose == purpose,
            RecipientConsentRow.phone.in_(phones),
            RecipientConsentRow.opted_out.is_(True),
        )
    )
    return set(rows.all())
