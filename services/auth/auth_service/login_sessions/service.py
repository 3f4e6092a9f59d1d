"""A person's own logins (issue 12): listed with the device and address of their latest use,
ended one by one, or all but the one the caller is using. A login is a family of refresh
tokens (auth_service/sessions); ending it revokes its usable token, so its next refresh
fails and the client logs in again. Access tokens already issued live out their minutes."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.login_sessions.repository import LiveSessions
from auth_service.login_sessions.schemas import LoginSession
from auth_service.profile.service import caller
from auth_service.sessions.models import RefreshToken
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import ProblemError
from shared.events import utcnow
from shared.security import Principal


class SessionNotFound(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            404,
            "session_not_found",
            "Session not found",
            "You have no active session with this id (it ended, or is not yours)",
        )


def _listed(token: RefreshToken, principal: Principal) -> LoginSession:
    return LoginSession(
        id=token.family_id,
        user_agent=token.user_agent,
        ip=token.ip,
        created_at=token.session_started_at or token.created_at,
        last_used_at=token.created_at,
        expires_at=token.expires_at,
        current=token.family_id == principal.session_id,
    )


async def page(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> tuple[list[LoginSession], str | None]:
    user, _ = await caller(session, principal)
    after = decode_cursor(cursor) if cursor else None
    tokens = await LiveSessions(session).page(user.id, utcnow(), after, limit + 1)
    next_cursor = None
    if len(tokens) > limit:
        tokens = tokens[:limit]
        next_cursor = encode_cursor(tokens[-1].created_at, tokens[-1].id)
    return [_listed(token, principal) for token in tokens], next_cursor


async def revoke(
    session: AsyncSession, principal: Principal, session_id: UUID, origin: Origin
) -> None:
    user, _ = await caller(session, principal)
    if not await LiveSessions(session).revoke(user.id, session_id, utcnow()):
        raise SessionNotFound()
    await _audit(session, origin, user.account_id, user.id, session_id)


async def revoke_others(session: AsyncSession, principal: Principal, origin: Origin) -> int:
    """Ends every login of the caller but the token's own (all of them for a token from
    before logins had ids: the client logs in again)."""
    user, _ = await caller(session, principal)
    revoked = await LiveSessions(session).revoke_all_but(user.id, principal.session_id, utcnow())
    if revoked:
        await _audit(session, origin, user.account_id, user.id, None, revoked)
    return revoked


async def _audit(
    session: AsyncSession,
    origin: Origin,
    account_id: UUID,
    user_id: UUID,
    session_id: UUID | None,
    count: int = 1,
) -> None:
    await audit.record(
        session,
        origin,
        account_id=account_id,
        actor=Actor.user(user_id),
        action="session.revoked",
        object_type="session" if session_id else "user",
        object_id=session_id or user_id,
        details=None if session_id else {"others": count},
    )
