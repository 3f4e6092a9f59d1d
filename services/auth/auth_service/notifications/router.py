"""The customer's side: their own mail preferences, and the unsubscribe link's target."""

import html
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

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
    description="No login: the signed token names the user. Changes nothing: answers a page "
    "that asks, whose button POSTs here. Mail scanners and link previews fetch every link in a "
    "mail, so a GET that unsubscribed would unsubscribe people who never clicked.",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **_INVALID_TOKEN},
)
async def unsubscribe_page(token: Token, settings: SettingsDep) -> HTMLResponse:
    unsubscribe.user_of(token, settings.unsubscribe_signing_secret)  # a forged link: 422
    action = html.escape(f"?{urlencode({'token': token})}", quote=True)
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        "<title>Unsubscribe from product news</title></head><body>"
        "<h1>Unsubscribe from product news?</h1>"
        "<p>Mail about your account itself (invoices, security, suspensions) still comes.</p>"
        f'<form method="post" action="{action}">'
        '<button type="submit">Unsubscribe</button></form></body></html>',
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@public_router.post(
    "",
    summary="Unsubscribe: the page's button, and mail clients' one-click (RFC 8058)",
    description="Turns the user's product news off; doing it again changes nothing more.",
    responses=_INVALID_TOKEN,
)
async def unsubscribe_one_click(
    token: Token, session: SessionDep, settings: SettingsDep
) -> dict[str, bool]:
    return await _unsubscribe(token, session, settings)


def _user(principal: Principal) -> UUID:
    return UUID(principal.subject)
