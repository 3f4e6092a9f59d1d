from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.consent.models import RecipientConsentRow
from shared.db import upsert_newest
from shared.events import RecipientConsentChanged


async def apply(session: AsyncSession, events: Sequence[RecipientConsentChanged]) -> None:
    """Store each number's latest consent among `events`, unless the stored one is newer."""
    await upsert_newest(
        session,
        RecipientConsentRow.__table__,
        ["account_id", "phone", "purpose"],
        (
            {
                "account_id": e.account_id,
                "phone": e.phone,
                "purpose": e.purpose,
                "opted_out": e.opted_out,
                "changed_at": e.occurred_at,
            }
            for e in events
        ),
    )


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
