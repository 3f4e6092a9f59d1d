"""Inviting someone by e-mail with a role, and the invitee accepting with a password."""

from datetime import timedelta
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.accounts.passwords import Passwords, check_password_strength
from auth_service.accounts.repository import AccountRepository
from auth_service.accounts.schemas import LoginResponse
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer
from auth_service.mail.service import queue
from auth_service.sessions.service import start_session
from auth_service.sessions.tokens import hash_token, new_refresh_token
from auth_service.team.access import check_may_grant, manager
from auth_service.team.models import Invitation
from auth_service.team.repository import TeamRepository
from auth_service.team.schemas import InvitationAccept, InvitationCreate
from shared.errors import NotFound, ProblemError
from shared.events import utcnow
from shared.mail import Mail
from shared.security import Principal

INVITATION_TTL = timedelta(days=7)


class AlreadyMember(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "already_member", "Already a member", "This e-mail is a user of the account"
        )


class InvitationInvalid(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invitation_invalid",
            "Invalid invitation",
            "The invitation is unknown, expired, revoked or already accepted; ask for a new one",
        )


class EmailTaken(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "email_taken",
            "E-mail taken",
            "This e-mail already belongs to a user; log in with it, or be invited with another",
        )


async def invite(
    session: AsyncSession,
    settings: AuthSettings,
    principal: Principal,
    request: InvitationCreate,
    origin: Origin,
) -> Invitation:
    """A new invitation, replacing a pending one for the same e-mail, and its mail.

    An address with a user in another account is invited all the same: the inviter learns
    nothing about it, and only the invitee, who reads the mail, is told at acceptance."""
    me, account = await manager(session, principal)
    check_may_grant(me, request.role)
    email = request.email.lower()
    existing = await AccountRepository(session).user_by_email(email)
    if existing is not None and existing.account_id == account.id:
        raise AlreadyMember()
    repository = TeamRepository(session)
    now = utcnow()
    for earlier in await repository.pending(account.id, now, email):
        earlier.revoked_at = now  # its link stops working; the newest mail is the one
    token = new_refresh_token()
    invitation = Invitation(
        id=uuid4(),
        account_id=account.id,
        email=email,
        role=request.role,
        token_hash=hash_token(token),
        invited_by=me.id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    await repository.add_invitation(invitation)
    queue(session, _mail(settings, account, me, invitation, token))
    await _audit(session, origin, me, invitation, "user.invited")
    return invitation


def _mail(
    settings: AuthSettings, account: Account, inviter: User, invitation: Invitation, token: str
) -> Mail:
    link = settings.invitation_url.replace("{token}", token)
    who = inviter.name or inviter.email
    return Mail(
        to=invitation.email,
        subject=f"You are invited to {account.company_name} on the SMS gateway",
        text=f"{who} invites you to join {account.company_name} as {invitation.role}.\n\n"
        f"Accept within 7 days by choosing your password here:\n{link}\n\n"
        "If you did not expect this, ignore this mail; nothing happens without you.\n",
    )


async def pending(session: AsyncSession, account_id: UUID) -> list[Invitation]:
    return await TeamRepository(session).pending(account_id, utcnow())


async def revoke(
    session: AsyncSession, principal: Principal, invitation_id: UUID, origin: Origin
) -> None:
    """Another account's invitation, and one already accepted or revoked, are 404."""
    me, account = await manager(session, principal)
    invitation = await TeamRepository(session).invitation_for_update(account.id, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise NotFound("Invitation")
    check_may_grant(me, invitation.role)
    invitation.revoked_at = utcnow()
    await _audit(session, origin, me, invitation, "invitation.revoked")


async def accept(
    session: AsyncSession,
    passwords: Passwords,
    issuer: TokenIssuer,
    settings: AuthSettings,
    request: InvitationAccept,
    origin: Origin,
) -> LoginResponse:
    """The invitee becomes a user of the account with the invitation's role, logged in."""
    check_password_strength(request.password)
    repository = TeamRepository(session)
    invitation = await repository.invitation_by_hash_for_update(hash_token(request.token))
    now = utcnow()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        raise InvitationInvalid()
    accounts = AccountRepository(session)
    if await accounts.user_by_email(invitation.email) is not None:
        raise EmailTaken()
    user = User(
        id=uuid4(),
        account_id=invitation.account_id,
        email=invitation.email,
        password_hash=await passwords.hash(request.password),
        role=invitation.role,
        name=request.name,
    )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # the address registered or joined just now
        raise EmailTaken() from exc
    invitation.accepted_at = now
    await audit.record(
        session,
        origin,
        account_id=user.account_id,
        actor=Actor.user(user.id),
        action="user.joined",
        object_type="user",
        object_id=user.id,
        details={"role": user.role, "invitation": str(invitation.id)},
    )
    tokens = await start_session(session, issuer, settings, user, origin)
    return LoginResponse(**tokens.model_dump())


async def _audit(
    session: AsyncSession,
    origin: Origin,
    me: User,
    invitation: Invitation,
    action: Literal["user.invited", "invitation.revoked"],
) -> None:
    """Records the invitation by id and role: the e-mail is personal and stays out."""
    await audit.record(
        session,
        origin,
        account_id=invitation.account_id,
        actor=Actor.user(me.id),
        action=action,
        object_type="invitation",
        object_id=invitation.id,
        details={"role": invitation.role},
    )
