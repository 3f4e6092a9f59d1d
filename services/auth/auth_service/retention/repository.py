"""The SQL of auth's retention: each call touches at most `limit` rows."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.api_keys.models import ApiKey
from shared.events import AccountState

# An unused account in these states is closed; a blocked one stays blocked (abuse), a
# closed one is already on its way out.
CLOSABLE: tuple[AccountState, ...] = ("active", "suspended")


def _unused_since(moment: datetime) -> ColumnElement[bool]:
    """Nobody logged in or refreshed since `moment`, and none of its keys was used."""
    key_used = (
        select(ApiKey.id)
        .where(ApiKey.account_id == Account.id, ApiKey.last_used_at >= moment)
        .exists()
    )
    return and_(
        Account.state.in_(CLOSABLE),
        func.coalesce(Account.last_active_at, Account.created_at) < moment,
        ~key_used,
    )


async def to_notify(session: AsyncSession, unused_since: datetime, limit: int) -> list[Account]:
    return list(
        await session.scalars(
            select(Account)
            .where(_unused_since(unused_since), Account.inactivity_notice_at.is_(None))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def to_close(
    session: AsyncSession, unused_since: datetime, noticed_before: datetime, limit: int
) -> list[Account]:
    return list(
        await session.scalars(
            select(Account)
            .where(_unused_since(unused_since), Account.inactivity_notice_at < noticed_before)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


async def owner_email(session: AsyncSession, account: Account) -> str | None:
    """Where the notice goes: the account's contact address, else its first owner's."""
    if account.contact_email:
        return account.contact_email
    return await session.scalar(
        select(User.email)
        .where(User.account_id == account.id, User.role == "owner")
        .order_by(User.created_at)
        .limit(1)
    )
