from fastapi import APIRouter

from dispatch_service.deps import SettingsDep
from dispatch_service.smsc import service
from dispatch_service.smsc.schemas import SmscOverview
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/smsc",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


@router.get(
    "",
    summary="SMSC connections with their health, and the routes over them",
    description="Every configured connection with what the SMPP connector last reported "
    "(every few seconds): binds bound, submits in flight, parts waiting for it, its "
    "circuit breaker and last error. No credentials.",
)
async def list_links(_: OperatorDep, session: SessionDep, settings: SettingsDep) -> SmscOverview:
    return await service.overview(session, settings)
