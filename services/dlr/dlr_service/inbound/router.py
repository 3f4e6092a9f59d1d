from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from dlr_service.inbound import service
from dlr_service.inbound.schemas import InboundPage, InboundResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

Reader = Annotated[Principal, Depends(require("messages:read"))]

router = APIRouter(
    prefix="/v1/inbound", tags=["inbound"], responses=problem_responses(*AUTHENTICATED)
)
_READ = forbidden_response("messages:read")
BAD_CURSOR: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor this endpoint did "
        "not give (`invalid_cursor`)",
    }
}


@router.get(
    "",
    summary="The account's inbound (mobile-originated) SMS, newest first",
    responses={**_READ, **BAD_CURSOR},
    response_model_by_alias=True,
)
async def list_(
    principal: Reader,
    session: SessionDep,
    number: Annotated[
        str | None,
        Query(max_length=32, description="Only messages from or to this number"),
    ] = None,
    since: Annotated[
        AwareDatetime | None, Query(alias="from", description="Received at or after")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to", description="Received before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> InboundPage:
    rows, next_cursor = await service.page(
        session, principal.account_id, number, since, until, cursor, limit
    )
    return InboundPage(
        items=[InboundResponse.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/{inbound_id}",
    summary="One inbound SMS",
    responses={**_READ, **problem_responses(404)},
    response_model_by_alias=True,
)
async def get(inbound_id: UUID, principal: Reader, session: SessionDep) -> InboundResponse:
    return InboundResponse.model_validate(
        await service.get(session, principal.account_id, inbound_id)
    )
