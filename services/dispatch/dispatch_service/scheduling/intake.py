"""What intake checks of a send's timing fields."""

from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field

from shared.errors import ProblemError

MAX_AHEAD = timedelta(days=90)
# 1 minute to 72 hours, as SMSCs accept and as the receipt deadline covers.
MIN_VALIDITY_SECONDS, MAX_VALIDITY_SECONDS = 60, 72 * 3600

SEND_AT_DESCRIPTION = (
    "RFC 3339 time with an offset, at most 90 days ahead: the message waits `scheduled` "
    "until then (cancelable with POST /v1/messages/{id}/cancel) and is charged when it "
    "goes; a time in the past sends at once"
)
VALIDITY_DESCRIPTION = (
    "Seconds (60 to 259200, i.e. 72 h) the SMSC keeps trying to deliver; a message still "
    "undelivered then ends `expired`. Default: the SMSC's own"
)


def send_at_field() -> Any:
    return Field(
        default=None, description=SEND_AT_DESCRIPTION, examples=["2026-12-24T09:00:00+01:00"]
    )


def validity_field() -> Any:
    return Field(
        default=None,
        ge=MIN_VALIDITY_SECONDS,
        le=MAX_VALIDITY_SECONDS,
        description=VALIDITY_DESCRIPTION,
    )


SendAt = AwareDatetime | None


class SendAtTooFar(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid_send_at",
            "send_at too far ahead",
            "`send_at` may be at most 90 days ahead; nothing was accepted",
        )


def due_time(send_at: datetime | None, now: datetime) -> datetime | None:
    """When the message is to go, or None for now (no send_at, or one already past)."""
    if send_at is None or send_at <= now:
        return None
    if send_at - now > MAX_AHEAD:
        raise SendAtTooFar()
    return send_at
