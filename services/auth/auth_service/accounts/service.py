from uuid import uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.accounts.passwords import Passwords, check_password_strength
from auth_service.accounts.repository import AccountRepository
from auth_service.accounts.schemas import LoginRequest, LoginResponse, RegisterRequest
from auth_service.audit import service as audit
from auth_service.audit.service import Action, Actor, Origin
from auth_service.config import AuthSettings
from auth_service.db import Outbox
from auth_service.keys.signing import TokenIssuer
from auth_service.profile.phones import phone_country
from auth_service.sessions.refusals import RecordedRefusal
from auth_service.sessions.service import Lockout, start_session
from auth_service.states.service import reopen_on_login
from auth_service.twofactor.service import InvalidOtp, check_login_code
from auth_service.verification import service as verification
from shared.events import AccountRegistered, utcnow
from shared.outbox import add_event


class InvalidCredentials(RecordedRefusal):
    def __init__(self) -> None:
        super().__init__(401, "invalid_credentials", "Invalid e-mail or password")


async def register(
    session: AsyncSession,
    passwords: Passwords,
    settings: AuthSettings,
    request: RegisterRequest,
    origin: Origin,
) -> None:
    """Opens an account unless the e-mail has one already; the caller can't tell which.

    The password is hashed either way, so that the answer takes as long for a taken
    address as for a free one. Under sign-up policy `verified` the account starts on trial
    and unverified, and both cases mail the address: a link to a new registrant, a notice
    to an existing owner.
    """
    check_password_strength(request.password)
    email = request.email.lower()
    password_hash = await passwords.hash(request.password)
    repository = AccountRepository(session)
    must_verify = settings.signup_policy == "verified"
    if (existing := await repository.user_by_email(email)) is not None:
        if must_verify:
            verification.tell_owner(session, existing)
        return
    account = Account(
        id=uuid4(),
        company_name=request.company_name,
        contact_email=email,
        phone=request.phone,
        email_verified_at=None if must_verify else utcnow(),
        trial=must_verify,
    )
    user = User(
        id=uuid4(),
        account_id=account.id,
        email=email,
        password_hash=password_hash,
        name=request.name,
    )
    try:
        async with session.begin_nested():
            await repository.add(account, user)
    except IntegrityError:  # a concurrent registration of the same e-mail won the race
        return
    add_event(
        session,
        Outbox,
        AccountRegistered(
            account_id=account.id,
            email=email,
            company_name=account.company_name,
            email_verified=account.email_verified,
            trial=account.trial,
            country=phone_country(account.phone),
        ),
    )
    if must_verify:
        await verification.send_link(session, settings, account.id, user)
    await audit.record(
        session,
        origin,
        account_id=account.id,
        actor=Actor.user(user.id),
        action="account.registered",
        object_type="account",
        object_id=account.id,
    )


async def login(
    session: AsyncSession,
    passwords: Passwords,
    issuer: TokenIssuer,
    settings: AuthSettings,
    request: LoginRequest,
    origin: Origin,
) -> LoginResponse:
    email = request.email.lower()
    lockout = Lockout(session, settings)
    user = await AccountRepository(session).user_by_email(email)
    # Locked: the wrong-password answer, without spending a hash on it.
    if await lockout.locked(email):
        await _audit_login(session, origin, user, "login.locked")
        raise InvalidCredentials()
    if not await passwords.verify(user.password_hash if user else None, request.password):
        await lockout.failed(email)
        await _audit_login(session, origin, user, "login.failed", reason="password")
        raise InvalidCredentials()
    assert user is not None
    try:
        await check_login_code(session, settings, user, request.otp)
    except InvalidOtp:
        # Counted like a wrong password, so the lockout also bounds guessing codes.
        await lockout.failed(email)
        await _audit_login(session, origin, user, "login.failed", reason="otp")
        raise
    await lockout.succeeded(email)
    await _audit_login(session, origin, user, "login.succeeded")
    # A blocked account logs in too: its users read the reason at GET /v1/account.
    reopened = await reopen_on_login(session, origin, user)
    tokens = await start_session(session, issuer, settings, user, origin)
    return LoginResponse(**tokens.model_dump(), account_reopened=reopened)


async def _audit_login(
    session: AsyncSession,
    origin: Origin,
    user: User | None,
    action: Action,
    reason: str | None = None,
) -> None:
    """Records a login attempt on the account it was for. An e-mail no account has is
    recorded nowhere: there is no account whose log it would belong in (the lockout still
    counts it)."""
    if user is None:
        return
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(user.id),
        action=action,
        object_type="user",
        object_id=user.id,
        details={"reason": reason} if reason else None,
    )
