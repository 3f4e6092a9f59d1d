"""Sessions: a login starts a family of refresh tokens; each refresh rotates the token; a
rotated token used again revokes the family; logout revokes it too. And the lockout of an
e-mail after too many failed logins."""

from datetime import datetime, timedelta
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.audit import service as audit
from auth_service.audit.service import SYSTEM, Action, Actor, Origin
from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer
from auth_service.sessions.models import RefreshToken
from auth_service.sessions.refusals import RecordedRefusal
from auth_service.sessions.repository import LoginFailures, RefreshTokens
from auth_service.sessions.schemas import TokenResponse
from auth_service.sessions.tokens import hash_token, new_refresh_token
from shared.events import utcnow


class InvalidRefreshToken(RecordedRefusal):
    def __init__(self) -> None:
        super().__init__(
            401,
            "invalid_refresh_token",
            "Invalid refresh token",
            "The refresh token is unknown, expired or revoked; log in again",
        )


class RefreshTokenReused(RecordedRefusal):
    def __init__(self) -> None:
        super().__init__(
            401,
            "refresh_token_reused",
            "Refresh token reused",
            "This refresh token was already used; every token of its login is revoked. "
            "Log in again",
        )


# An account's use is recorded at most this often: a write per refresh would contend on
# the account's row for nothing the 3-year clock can tell apart.
ACTIVITY_RESOLUTION = timedelta(days=1)


def touch(account: Account, now: datetime | None = None) -> None:
    """The account is in use: its inactivity clock (and any notice) starts over."""
    now = now or utcnow()
    seen = account.last_active_at
    if seen is None or now - seen >= ACTIVITY_RESOLUTION or account.inactivity_notice_at:
        account.last_active_at = now
        account.inactivity_notice_at = None


async def start_session(
    session: AsyncSession,
    issuer: TokenIssuer,
    settings: AuthSettings,
    user: User,
    origin: Origin,
    family: RefreshToken | None = None,
) -> TokenResponse:
    """A new access token and a new refresh token: of a new family after a login, of
    `family`'s (the token just rotated) after a refresh."""
    refresh_token = new_refresh_token()
    ttl = settings.refresh_token_ttl_seconds
    now = utcnow()
    family_id = family.family_id if family else uuid4()
    started_at = (family.session_started_at or family.created_at) if family else now
    await RefreshTokens(session).add(
        RefreshToken(
            token_hash=hash_token(refresh_token),
            family_id=family_id,
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
            user_agent=origin.user_agent,
            ip=origin.ip,
            session_started_at=started_at,
        )
    )
    # Read at every login and refresh, so that a lifted trial shows in the next token.
    account = await session.get(Account, user.account_id)
    if account is not None:
        touch(account)
    access_token, expires_in = issuer.issue(
        user_id=user.id,
        account_id=user.account_id,
        role=user.role,
        trial=account is not None and account.trial,
        session_id=family_id,
    )
    return TokenResponse(
        access_token=access_token,
        expires_in=expires_in,
        refresh_token=refresh_token,
        refresh_expires_in=ttl,
        account_id=user.account_id,
    )


async def refresh(
    session: AsyncSession,
    issuer: TokenIssuer,
    settings: AuthSettings,
    refresh_token: str,
    origin: Origin,
) -> TokenResponse:
    tokens = RefreshTokens(session)
    stored = await tokens.by_hash(hash_token(refresh_token))
    now = utcnow()
    if stored is None:
        raise InvalidRefreshToken()
    if stored.rotated_at is not None:
        # Whoever holds the newer token, thief or owner, can't be told apart: end them all.
        await tokens.revoke_family(stored.family_id, now)
        await _audit_family(session, origin, stored, SYSTEM, "session.reuse_detected")
        raise RefreshTokenReused()
    if stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidRefreshToken()
    if not await tokens.rotate(stored.id, now):
        # A concurrent use of the same token rotated it first: that is a reuse too.
        await tokens.revoke_family(stored.family_id, now)
        await _audit_family(session, origin, stored, SYSTEM, "session.reuse_detected")
        raise RefreshTokenReused()
    user = await session.get(User, stored.user_id)
    if user is None:
        raise InvalidRefreshToken()
    return await start_session(session, issuer, settings, user, origin, family=stored)


async def logout(session: AsyncSession, refresh_token: str, origin: Origin) -> None:
    """Revokes the token's family; an unknown token is not an error (RFC 7009 §2.2)."""
    tokens = RefreshTokens(session)
    stored = await tokens.by_hash(hash_token(refresh_token))
    if stored is not None:
        await tokens.revoke_family(stored.family_id, utcnow())
        actor = Actor.user(stored.user_id)
        await _audit_family(session, origin, stored, actor, "session.logged_out")


async def _audit_family(
    session: AsyncSession, origin: Origin, token: RefreshToken, actor: Actor, action: Action
) -> None:
    """Records an event of a login's token family (the "session", by its family id)."""
    user = await session.get(User, token.user_id)
    if user is None:
        return
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=actor,
        action=action,
        object_type="session",
        object_id=token.family_id,
    )


class Lockout:
    """Failed logins per e-mail, known or not, in a sliding window."""

    def __init__(self, session: AsyncSession, settings: AuthSettings) -> None:
        self._failures = LoginFailures(session)
        self._limit = settings.login_lockout_failures
        self._window = timedelta(seconds=settings.login_lockout_window_seconds)

    async def locked(self, email: str) -> bool:
        return await self._failures.count_since(email, utcnow() - self._window) >= self._limit

    async def failed(self, email: str) -> None:
        await self._failures.add(email, utcnow())

    async def succeeded(self, email: str) -> None:
        await self._failures.clear(email)


async def prune(session: AsyncSession, settings: AuthSettings) -> tuple[int, int]:
    """Deletes failures older than the lockout window and refresh tokens past expiry;
    returns how many of each."""
    now = utcnow()
    window = timedelta(seconds=settings.login_lockout_window_seconds)
    failures = await LoginFailures(session).delete_before(now - window)
    tokens = await RefreshTokens(session).delete_expired(now)
    return failures, tokens
