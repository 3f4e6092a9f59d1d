from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def user_by_email(self, email: str) -> User | None:
        user: User | None = await self._session.scalar(select(User).where(User.email == email))
        return user

    async def add(self, account: Account, user: User) -> None:
        self._session.add_all([account, user])
        await self._session.flush()
