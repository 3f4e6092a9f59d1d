"""Operators see every inbound SMS, those no account owns included."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from dlr_service.inbound import service
from dlr_service.inbound.repository import UNOWNED
from dlr_service.inbound.router import BAD_CURSOR
from dlr_service.inbound.schemas import OpsInboundPage, OpsInboundResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/inbound",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


@router.get("", summary="Inbound SMS of every account, newest first", responses=BAD_CURSOR)
async def list_(
    _: OperatorDep,
    session: SessionDep,
    account_id: Annotated[UUID | None, Query(description="Only this account's")] = None,
    unowned: Annotated[bool, Query(description="Only those no account owns")] = False,
    number: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> OpsInboundPage:
    owner = UNOWNED if unowned else account_id
    rows, next_cursor = await service.page(session, owner, number, since, until, cursor, limit)
    return OpsInboundPage(
        items=[OpsInboundResponse.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/{inbound_id}", summary="One inbound SMS, whoever owns it", responses=problem_responses(404)
)
async def get(inbound_id: UUID, _: OperatorDep, session: SessionDep) -> OpsInboundResponse:
    return OpsInboundResponse.model_validate(await service.get(session, None, inbound_id))
