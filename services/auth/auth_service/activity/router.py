from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from auth_service.activity import service
from auth_service.activity.schemas import ActivityEntry, ActivityLogPage
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/account/activity-log",
    tags=["account"],
    responses=problem_responses(*AUTHENTICATED),
)

# shared.roles.Allowed("audit:read"), spelt out so that mypy reads it as a type.
ActivityReader = Annotated[Principal, Depends(require("audit:read"))]

_REFUSED: dict[int | str, dict[str, Any]] = {
    **forbidden_response("audit:read"),
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor that is not one this "
        "endpoint gave (`invalid_cursor`)",
    },
}


@router.get(
    "",
    summary="The account's requests through the API, newest first",
    description="Every request the gateway passed towards a service for the account: who "
    "(user or API key), from which address and client, the method and path (never the "
    "query string), the answer's status and how long it took. Kept for at most a month "
    "(AUTH_ACTIVITY_RETENTION_DAYS); the most recent requests may take a few seconds to "
    "appear, and a gateway that crashes may lose its last ones.",
    responses=_REFUSED,
)
async def activity_log(
    principal: ActivityReader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ActivityLogPage:
    records, next_cursor = await service.page(session, principal.account_id, cursor, limit)
    return ActivityLogPage(
        items=[ActivityEntry.model_validate(record, from_attributes=True) for record in records],
        next_cursor=next_cursor,
    )
