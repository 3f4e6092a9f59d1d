"""The customer's side: their own mail preferences, and the unsubscribe link's target."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from auth_service.deps import SettingsDep
from auth_service.notifications import repository, unsubscribe
from auth_service.notifications.schemas import NotificationPreferences
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/account/notification-preferences",
    tags=["account"],
    responses=problem_responses(*AUTHENTICATED),
)
public_router = APIRouter(prefix="/v1/public/mail-unsubscribe", tags=["account"])

# Every person of the account decides about their own mail; an API key has no mailbox.
Person = Annotated[Principal, Depends(require("account:read"))]

_INVALID_BODY: dict[int | str, dict[str, Any]] = {
    422: {**problem_responses(422)[422], "description": "Invalid input (`validation_error`)"}
}
_INVALID_TOKEN: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "A token the platform did not sign (`invalid_unsubscribe_token`), or "
        "no token (`validation_error`)",
    }
}


@router.get("", summary="The caller's own mail preferences")
async def get_preferences(principal: Person, session: SessionDep) -> NotificationPreferences:
    user_id = _user(principal)
    return NotificationPreferences(marketing=await repository.marketing_allowed(session, user_id))


@router.put(
    "",
    summary="Turn the caller's product news on or off",
    description="Mail about the account itself always goes.",
    responses=_INVALID_BODY,
)
async def put_preferences(
    body: NotificationPreferences, principal: Person, session: SessionDep
) -> NotificationPreferences:
    await repository.set_marketing(session, _user(principal), body.marketing)
    return body


async def _unsubscribe(token: str, session: SessionDep, settings: SettingsDep) -> dict[str, bool]:
    user_id = unsubscribe.user_of(token, settings.unsubscribe_signing_secret)
    # A user removed since keeps no preference row: there is nobody left to mail.
    if await repository.user_exists(session, user_id):
        await repository.set_marketing(session, user_id, False)
    return {"marketing": False}


Token = Annotated[str, Query(min_length=1, max_length=1000)]


@public_router.get(
    "",
    summary="Follow a marketing mail's unsubscribe link",
    description="No login: the signed token names the user. Turns their product news off; "
    "following it again changes nothing more.",
    responses=_INVALID_TOKEN,
)
async def unsubscribe_by_link(
    token: Token, session: SessionDep, settings: SettingsDep
) -> dict[str, bool]:
    return await _unsubscribe(token, session, settings)


@public_router.post(
    "",
    summary="One-click unsubscribe (RFC 8058)",
    description="The same as following the link, for mail clients' one-click button.",
    responses=_INVALID_TOKEN,
)
async def unsubscribe_one_click(
    token: Token, session: SessionDep, settings: SettingsDep
) -> dict[str, bool]:
    return await _unsubscribe(token, session, settings)


def _user(principal: Principal) -> UUID:
    return UUID(principal.subject)
