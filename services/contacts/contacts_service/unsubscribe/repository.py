from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.unsubscribe.models import UnsubscribeToken
from shared.db import upsert_insert
from shared.events import utcnow


async def token_of(session: AsyncSession, account_id: UUID, phone: str, fresh: str) -> str:
    """The number's token: the stored one, or `fresh` stored now (one statement, so two
    concurrent requests agree on one token)."""
    table = UnsubscribeToken.__table__
    insert = upsert_insert(session, table).values(
        token=fresh, account_id=account_id, phone=phone, created_at=utcnow()
    )
    await session.execute(insert.on_conflict_do_nothing())
    stored = await session.execute(
        select(UnsubscribeToken.token).where(
            UnsubscribeToken.account_id == account_id, UnsubscribeToken.phone == phone
        )
    )
    token: str = stored.scalar_one()
    return token


async def get(session: AsyncSession, token: str) -> UnsubscribeToken | None:
    found: UnsubscribeToken | None = await session.get(UnsubscribeToken, token)
    return found
