from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from auth_service.accounts.limits import PasswordsDep
from auth_service.accounts.models import User
from auth_service.accounts.schemas import LoginResponse
from auth_service.audit.deps import OriginDep
from auth_service.deps import IssuerDep, SettingsDep
from auth_service.sessions.router import no_store
from auth_service.team import invitations, members
from auth_service.team.models import Invitation
from auth_service.team.schemas import (
    InvitationAccept,
    InvitationCreate,
    PendingInvitation,
    RoleChange,
    TeamList,
    TeamMember,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/account", tags=["account"], responses=problem_responses(*AUTHENTICATED)
)
public_router = APIRouter(prefix="/v1/auth", tags=["auth"])

Reader = Annotated[Principal, Depends(require("account:read"))]
Manager = Annotated[Principal, Depends(require("users:manage"))]


def _refused(extra: str = "") -> dict[int | str, dict[str, Any]]:
    doc = forbidden_response("users:manage")
    doc[403] = {**doc[403], "description": doc[403]["description"] + extra}
    return doc


_OWNER_ONLY = ", or a non-owner touching an owner (`owner_required`)"
_UNKNOWN_ROLE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a role that is none of owner, "
        "admin, developer, billing, viewer (`unknown_role`)",
    }
}


@router.get(
    "/users",
    summary="The account's users and its pending invitations",
    responses=forbidden_response("account:read"),
)
async def list_users(principal: Reader, session: SessionDep) -> TeamList:
    users = await members.users(session, principal.account_id)
    pending = await invitations.pending(session, principal.account_id)
    return TeamList(
        users=[_member(user) for user in users], invitations=list(map(_pending, pending))
    )


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="Invite someone by e-mail with a role",
    description="Mails a link (AUTH_INVITATION_URL) that works once within 7 days; inviting "
    "the same e-mail again replaces the pending invitation. Answers alike whether or not "
    "the address has an account elsewhere.",
    responses={
        **_refused(_OWNER_ONLY),
        **_UNKNOWN_ROLE,
        409: {
            **problem_responses(409)[409],
            "description": "The e-mail is a user of this account already (`already_member`)",
        },
    },
)
async def invite(
    body: InvitationCreate,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    origin: OriginDep,
) -> PendingInvitation:
    return _pending(await invitations.invite(session, settings, principal, body, origin))


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a pending invitation; its link stops working",
    responses={**_refused(_OWNER_ONLY), **problem_responses(404)},
)
async def revoke_invitation(
    invitation_id: UUID, principal: Manager, session: SessionDep, origin: OriginDep
) -> Response:
    await invitations.revoke(session, principal, invitation_id, origin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_LAST_OWNER: dict[int | str, dict[str, Any]] = {
    409: {
        **problem_responses(409)[409],
        "description": "It would leave the account without an owner (`last_owner`)",
    }
}
_SESSIONS_END = (
    " The user's refresh tokens are revoked at once; an access token already issued "
    "keeps working until it lapses (15 minutes at most)."
)


@router.patch(
    "/users/{user_id}",
    summary="Give a user another role",
    description="The new role applies from the user's next login." + _SESSIONS_END,
    responses={**_refused(_OWNER_ONLY), **problem_responses(404), **_LAST_OWNER, **_UNKNOWN_ROLE},
)
async def change_role(
    user_id: UUID, body: RoleChange, principal: Manager, session: SessionDep, origin: OriginDep
) -> TeamMember:
    return _member(await members.change_role(session, principal, user_id, body.role, origin))


@router.delete(
    "/users/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a user from the account",
    description="The user can no longer log in." + _SESSIONS_END,
    responses={**_refused(_OWNER_ONLY), **problem_responses(404), **_LAST_OWNER},
)
async def remove_user(
    user_id: UUID, principal: Manager, session: SessionDep, origin: OriginDep
) -> Response:
    await members.remove(session, principal, user_id, origin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@public_router.post(
    "/invitations/accept",
    summary="Accept an invitation: become a user of the account, logged in",
    description="Answers like a login. The invitee's e-mail is the invitation's.",
    responses={
        422: {
            **problem_responses(422)[422],
            "description": "Invalid input (`validation_error`), a password shorter than 12 "
            "characters or among the most common ones (`weak_password`), or a token that is "
            "unknown, expired, revoked or used (`invitation_invalid`)",
        },
        409: {
            **problem_responses(409)[409],
            "description": "The e-mail has become a user meanwhile (`email_taken`)",
        },
    },
)
async def accept(
    body: InvitationAccept,
    session: SessionDep,
    passwords: PasswordsDep,
    issuer: IssuerDep,
    settings: SettingsDep,
    response: Response,
    origin: OriginDep,
) -> LoginResponse:
    no_store(response)
    return await invitations.accept(session, passwords, issuer, settings, body, origin)


def _member(user: User) -> TeamMember:
    return TeamMember(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        two_factor_enabled=user.totp_enabled_at is not None,
        created_at=user.created_at,
    )


def _pending(invitation: Invitation) -> PendingInvitation:
    return PendingInvitation.model_validate(invitation, from_attributes=True)
