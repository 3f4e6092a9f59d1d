"""Trial accounts' caps at intake, read from the token's `trial` claim rather than from
events, so there is no race with them: a lifted trial takes effect with the account's next
access token (within a token's lifetime, AUTH_ACCESS_TOKEN_TTL_SECONDS: 15 minutes).
Callers skip both checks for accounts not on trial, so those pay no query for them."""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.trial import repository
from shared.errors import ProblemError, problem_response_doc
from shared.events import utcnow

_LIFTED = "until an operator or its first payment lifts the trial"


class TrialDestinationNotAllowed(ProblemError):
    def __init__(self, refused: Sequence[str], allowed: Sequence[str]) -> None:
        if allowed:
            where = f"only to numbers starting with {' or '.join(allowed)}"
            detail = f"The account is on trial: it may send {where} {_LIFTED}"
        else:
            detail = (
                "The account is on trial and no test destinations are configured for trial "
                f"accounts: it may send nowhere {_LIFTED} or an operator configures them"
            )
        super().__init__(
            403,
            "trial_destination_not_allowed",
            "Destination not allowed on trial",
            f"{detail}; refused: {', '.join(refused)}; nothing was accepted",
            allowed_prefixes=list(allowed),
        )


class TrialDailyLimit(ProblemError):
    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            429,
            "trial_daily_limit",
            "Trial's daily limit reached",
            f"The account is on trial: it may send {limit} messages per UTC day {_LIFTED}, "
            "and this request would pass that; nothing was accepted",
            headers={"Retry-After": str(retry_after)},
            daily_limit=limit,
        )


# For the `responses` of every operation that takes in messages.
TRIAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {
        **problem_response_doc(403),
        "description": "`trial_destination_not_allowed`: the account is on trial and a "
        "destination is outside the test ranges, which `allowed_prefixes` lists; the whole "
        "request is refused, nothing was accepted",
    },
    429: {
        **problem_response_doc(429),
        "description": "`trial_daily_limit`: the account is on trial and the request would "
        "pass its messages per UTC day (each recipient of a batch counts); nothing was "
        "accepted. `Retry-After` is the seconds until the next UTC midnight",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
    },
}


def check_destinations(settings: DispatchSettings, destinations: Sequence[str]) -> None:
    """Raise TrialDestinationNotAllowed unless every E.164 number is in a test range."""
    allowed = settings.trial_destinations
    refused = [number for number in destinations if not number.startswith(allowed)]
    if refused:
        raise TrialDestinationNotAllowed(refused, allowed)


async def count(
    session: AsyncSession, settings: DispatchSettings, account_id: UUID, messages: int
) -> None:
    """Count `messages` against today's cap in the request's transaction, or raise
    TrialDailyLimit and count nothing. Call it once the request is known not to be a
    replay: a replay sends nothing, so it must not use up the day."""
    limit, now = settings.trial_daily_messages, utcnow()
    if messages > limit or not await repository.take(
        session, account_id, now.date(), messages, limit
    ):
        raise TrialDailyLimit(limit, _seconds_to_next_midnight(now))


def _seconds_to_next_midnight(now: datetime) -> int:
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), UTC)
    return max(1, math.ceil((midnight - now).total_seconds()))
