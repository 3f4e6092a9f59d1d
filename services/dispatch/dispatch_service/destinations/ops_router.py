from uuid import UUID

from fastapi import APIRouter

from dispatch_service.destinations import repository, service
from dispatch_service.destinations.gate import DestinationGateDep
from dispatch_service.destinations.schemas import (
    DestinationExceptions,
    DestinationExceptionsChange,
)
from dispatch_service.destinations.service import UNKNOWN_DESTINATION_RESPONSE
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/destinations",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED, 404), **NOT_AN_OPERATOR_RESPONSE},
)


@router.get(
    "/{account_id}",
    summary="What an account may send to beyond the defaults",
    responses=problem_responses(422),
)
async def show(
    account_id: UUID, _: OperatorDep, session: SessionDep, gate: DestinationGateDep
) -> DestinationExceptions:
    row = await repository.get(session, account_id)
    defaults = await gate.defaults_for(session, account_id)
    return DestinationExceptions.of(account_id, row, defaults, gate.ranges.categories)


@router.put(
    "/{account_id}",
    summary="Enable high-risk categories and countries for an account",
    description="Replaces the account's whole set: premium-rate, satellite or shared-cost "
    "categories of the high-risk ranges list, and countries beyond the account's "
    "`default_countries` (`DISPATCH_DEFAULT_ALLOWED_COUNTRIES`, and with "
    "`DISPATCH_ALLOW_LIST_BY_COMPANY` its contracting company's countries). Takes effect "
    "at once in this process and within "
    "`DISPATCH_DESTINATIONS_REFRESH_SECONDS` in the others; recorded in the account's audit "
    "log with what was enabled and disabled.",
    responses=UNKNOWN_DESTINATION_RESPONSE,
)
async def decide(
    account_id: UUID,
    body: DestinationExceptionsChange,
    operator: OperatorDep,
    session: SessionDep,
    gate: DestinationGateDep,
) -> DestinationExceptions:
    row = await service.decide(session, gate, operator, account_id, body)
    gate.reload_after_commit(session)
    defaults = await gate.defaults_for(session, account_id)
    return DestinationExceptions.of(account_id, row, defaults, gate.ranges.categories)
