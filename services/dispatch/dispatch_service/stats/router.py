from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from dispatch_service.stats import service
from dispatch_service.stats.schemas import MessageStats, StatsGroupBy
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.events import utcnow
from shared.roles import require
from shared.security import Principal

# Registered before the messages' router: "/v1/messages/stats" is no message id.
router = APIRouter(
    prefix="/v1/messages", tags=["messages"], responses=problem_responses(*AUTHENTICATED)
)
Reader = Annotated[Principal, Depends(require("messages:read"))]

_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`: a time without its offset too), "
        f"`from` not before `to` (`invalid_range`), or more than {service.MAX_DAYS} days "
        "between them (`range_too_long`)",
    }
}


@router.get(
    "/stats",
    summary="The account's messages per day and status, for a chart",
    description="Messages created in [`from`, `to`), counted by UTC day and by their status "
    "now (a message sent yesterday and delivered today counts as delivered, yesterday). "
    "Every day of the range is listed and every status in each day, zeros included. "
    f"At most {service.MAX_DAYS} days; `to` defaults to now and `from` to the start of the "
    "UTC day 29 days before `to`'s (30 days with today).",
    responses=_REFUSED,
    response_model_by_alias=True,
)
async def message_stats(
    principal: Reader,
    session: SessionDep,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    group_by: StatsGroupBy = "day",
) -> MessageStats:
    until = until or utcnow()
    if since is None:
        midnight = until.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight - timedelta(days=29)
    return await service.by_day(session, principal.account_id, since, until)
