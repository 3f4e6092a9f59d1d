from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.ops import PLATFORM_ACCOUNT_ID, PLATFORM_COMPANY_NAME
from auth_service.sessions.models import RefreshToken
from auth_service.states.repository import account_for_update


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class OpsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def customer_for_update(self, account_id: UUID) -> Account | None:
        """A customer account, locked until the transaction ends so that two operators'
        changes come one after the other; never the platform's own account."""
        if account_id == PLATFORM_ACCOUNT_ID:
            return None
        return await account_for_update(self._session, account_id)

    async def search(
        self, query: str | None, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[Account]:
        """Customer accounts, newest first, whose id is `query`, or whose company name,
        contact e-mail or a user's login e-mail contains it (case-insensitive)."""
        statement = select(Account).where(Account.id != PLATFORM_ACCOUNT_ID)
        if query:
            statement = statement.where(_matching(query))
        if after is not None:
            statement = statement.where(
                tuple_(Account.created_at, Account.id) < tuple_(after[0], after[1])
            )
        statement = statement.order_by(Account.created_at.desc(), Account.id.desc()).limit(limit)
        return list(await self._session.scalars(statement))

    async def user_by_email(self, email: str) -> User | None:
        user: User | None = await self._session.scalar(select(User).where(User.email == email))
        return user

    async def add_operator(self, user: User) -> None:
        if await self._session.get(Account, PLATFORM_ACCOUNT_ID) is None:
            self._session.add(Account(id=PLATFORM_ACCOUNT_ID, company_name=PLATFORM_COMPANY_NAME))
            await self._session.flush()
        self._session.add(user)
        await self._session.flush()

    async def delete_operator(self, user: User) -> None:
        # Refresh tokens point at the user: they go first, and with them every session.
        await self._session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id))
        await self._session.delete(user)
        await self._session.flush()


def _matching(query: str) -> ColumnElement[bool]:
    pattern = _like(query)
    text_match = or_(
        Account.company_name.ilike(pattern, escape="\\"),
        Account.contact_email.ilike(pattern, escape="\\"),
        exists().where(and_(User.account_id == Account.id, User.email.ilike(pattern, escape="\\"))),
    )
    try:
        return or_(Account.id == UUID(query), text_match)
    except ValueError:
        return text_match
