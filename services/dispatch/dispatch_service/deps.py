"""What dispatch's intake routers share: settings, the Idempotency-Key header, how a
replay is answered and the refusals they document, so single messages and batches behave
alike."""

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response, status

from dispatch_service.accounts.service import ACCOUNT_NOT_ACTIVE_RESPONSE
from dispatch_service.backlog.service import BACKLOG_FULL_RESPONSE
from dispatch_service.config import DispatchSettings
from dispatch_service.content.service import CONTENT_BLOCKED_RESPONSE
from dispatch_service.destinations.gate import DESTINATION_REFUSED_RESPONSE
from dispatch_service.senders.problems import SENDER_NOT_APPROVED_RESPONSE
from dispatch_service.tariffs.gate import NO_TARIFF_RESPONSE
from dispatch_service.trial.service import TRIAL_RESPONSES
from shared.errors import problem_responses

ResponsesDoc = dict[int | str, dict[str, Any]]


async def _settings(request: Request) -> DispatchSettings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, DispatchSettings)
    return settings


SettingsDep = Annotated[DispatchSettings, Depends(_settings)]


def idempotency_key_header(what: str) -> object:
    return Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description=f"Retries with the same key return the original {what} instead of "
        "sending it a second time.",
    )


def answer_intake(response: Response, location: str, created: bool) -> None:
    """202 for something new, 200 with `Idempotent-Replayed` for a retry of the same key."""
    response.headers["Location"] = location
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"


def merged_responses(*docs: ResponsesDoc) -> ResponsesDoc:
    """`responses` entries where refusals sharing a status are described together (one
    status holds one OpenAPI entry, so a later one would hide an earlier one)."""
    merged: ResponsesDoc = {}
    for doc in docs:
        for code, entry in doc.items():
            seen = merged.get(code)
            merged[code] = (
                dict(entry)
                if seen is None
                else {
                    **seen,
                    **entry,
                    "description": f"{seen['description']}; or {entry['description']}",
                    "headers": {**seen.get("headers", {}), **entry.get("headers", {})},
                }
            )
    return merged


# For the `responses` of every operation that takes in messages.
INTAKE_REFUSALS = merged_responses(
    ACCOUNT_NOT_ACTIVE_RESPONSE,
    problem_responses(409),
    SENDER_NOT_APPROVED_RESPONSE,
    BACKLOG_FULL_RESPONSE,
    CONTENT_BLOCKED_RESPONSE,
    TRIAL_RESPONSES,
    NO_TARIFF_RESPONSE,
    DESTINATION_REFUSED_RESPONSE,
)
