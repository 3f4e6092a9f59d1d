from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.passwords import Passwords, WeakPassword, check_password_strength
from auth_service.accounts.service import InvalidCredentials
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer
from auth_service.password.schemas import PasswordChange
from auth_service.profile.service import caller
from auth_service.sessions.repository import RefreshTokens
from auth_service.sessions.schemas import TokenResponse
from auth_service.sessions.service import Lockout, start_session
from shared.events import utcnow
from shared.security import Principal


async def change(
    session: AsyncSession,
    passwords: Passwords,
    issuer: TokenIssuer,
    settings: AuthSettings,
    principal: Principal,
    request: PasswordChange,
    origin: Origin,
) -> TokenResponse:
    """Sets the new password, revokes every refresh token of the user and answers with a
    new pair, so that the caller alone stays logged in.

    A wrong current password counts towards the e-mail's login lockout: a stolen access
    token must not become a way to guess the password without limit."""
    user, _ = await caller(session, principal)
    try:
        check_password_strength(request.new_password)
    except WeakPassword as exc:
        for error in exc.extensions.get("errors", []):
            error["location"] = ["body", "new_password"]
        raise
    lockout = Lockout(session, settings)
    if await lockout.locked(user.email):
        raise InvalidCredentials()
    if not await passwords.verify(user.password_hash, request.current_password):
        await lockout.failed(user.email)
        raise InvalidCredentials()
    user.password_hash = await passwords.hash(request.new_password)
    await session.flush()
    await RefreshTokens(session).revoke_user(user.id, utcnow())
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(user.id),
        action="password.changed",
        object_type="user",
        object_id=user.id,
    )
    return await start_session(session, issuer, settings, user, origin)
