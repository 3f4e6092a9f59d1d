"""What dispatch's intake routers share: settings, the Idempotency-Key header and how a
replay is answered, so single messages and batches behave alike."""

from typing import Annotated

from fastapi import Depends, Header, Request, Response, status

from dispatch_service.config import DispatchSettings


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
