from uuid import uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.accounts.passwords import hash_password, verify_password
from auth_service.accounts.repository import AccountRepository
from auth_service.accounts.schemas import LoginRequest, RegisterRequest, TokenResponse
from auth_service.db import Outbox
from auth_service.keys.signing import TokenIssuer
from shared.errors import ProblemError
from shared.events import AccountRegistered
from shared.outbox import add_event


class EmailTaken(ProblemError):
    def __init__(self) -> None:
        super().__init__(409, "email_taken", "E-mail already registered")


class InvalidCredentials(ProblemError):
    def __init__(self) -> None:
        super().__init__(401, "invalid_credentials", "Invalid e-mail or password")


async def register(session: AsyncSession, request: RegisterRequest) -> tuple[Account, User]:
    email = request.email.lower()
    repository = AccountRepository(session)
    if await repository.user_by_email(email) is not None:
        raise EmailTaken()
    account = Account(id=uuid4(), company_name=request.company_name)
    user = User(
        id=uuid4(),
        account_id=account.id,
        email=email,
        password_hash=await hash_password(request.password),
    )
    try:
        await repository.add(account, user)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    add_event(
        session,
        Outbox,
        AccountRegistered(account_id=account.id, email=email, company_name=account.company_name),
    )
    return account, user


async def login(session: AsyncSession, issuer: TokenIssuer, request: LoginRequest) -> TokenResponse:
    user = await AccountRepository(session).user_by_email(request.email.lower())
    if not await verify_password(user.password_hash if user else None, request.password):
        raise InvalidCredentials()
    assert user is not None
    token, expires_in = issuer.issue(user_id=user.id, account_id=user.account_id, role=user.role)
    return TokenResponse(access_token=token, expires_in=expires_in)
