from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.accounts.passwords import Passwords, check_password_strength
from auth_service.audit.service import Actor, Origin
from auth_service.ops import PLATFORM_ACCOUNT_ID
from auth_service.ops.repository import OpsRepository
from auth_service.states.service import Transition, change_state
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import NotFound
from shared.roles import OPS_ROLE
from shared.security import Principal


class EmailTaken(Exception):
    pass


async def create_operator(
    session: AsyncSession, passwords: Passwords, email: str, password: str
) -> User:
    """A user with role `ops` on the platform's internal account. Raises WeakPassword or
    EmailTaken."""
    check_password_strength(password)
    email = email.lower()
    repository = OpsRepository(session)
    if await repository.user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        id=uuid4(),
        account_id=PLATFORM_ACCOUNT_ID,
        email=email,
        password_hash=await passwords.hash(password),
        role=OPS_ROLE,
    )
    try:
        await repository.add_operator(user)
    except IntegrityError as exc:
        raise EmailTaken(email) from exc
    return user


class NotAnOperator(Exception):
    pass


async def remove_operator(session: AsyncSession, email: str) -> UUID:
    """Ends an operator's access at once: the user and their refresh tokens are deleted, so
    they log in no more and refresh nothing; an access token already issued lapses within
    its lifetime (AUTH_ACCESS_TOKEN_TTL_SECONDS). Raises NotAnOperator for an e-mail that is
    no operator's (a customer's user is never removed this way)."""
    repository = OpsRepository(session)
    user = await repository.user_by_email(email.lower())
    if user is None or user.role != OPS_ROLE or user.account_id != PLATFORM_ACCOUNT_ID:
        raise NotAnOperator(email)
    await repository.delete_operator(user)
    return user.id


async def search(
    session: AsyncSession, query: str | None, cursor: str | None, limit: int
) -> tuple[list[Account], str | None]:
    after = decode_cursor(cursor) if cursor else None
    accounts = await OpsRepository(session).search(query, after, limit + 1)
    if len(accounts) <= limit:
        return accounts, None
    return accounts[:limit], encode_cursor(accounts[limit - 1].created_at, accounts[limit - 1].id)


async def act(
    session: AsyncSession,
    origin: Origin,
    operator: Principal,
    account_id: UUID,
    transition: Transition,
    reason: str | None = None,
) -> Account:
    account = await OpsRepository(session).customer_for_update(account_id)
    if account is None:
        raise NotFound("Account")
    await change_state(
        session, origin, account, transition, Actor.operator(operator.subject), reason
    )
    return account
