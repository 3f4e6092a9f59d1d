from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account


async def account_for_update(session: AsyncSession, account_id: UUID) -> Account | None:
    """The account, locked until the transaction ends, so that state changes made at once
    (two operators, an operator and the owner) come one after the other."""
    account: Account | None = await session.scalar(
        select(Account).where(Account.id == account_id).with_for_update()
    )
    return account
