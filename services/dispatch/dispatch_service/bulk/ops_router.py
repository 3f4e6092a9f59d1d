from uuid import UUID

from fastapi import APIRouter

from dispatch_service.bulk import repository, service
from dispatch_service.bulk.schemas import BulkDecision, BulkPermission
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/bulk-permissions",
    tags=["ops"],
    responses={
        **problem_responses(*AUTHENTICATED, 404, 422),
        **NOT_AN_OPERATOR_RESPONSE,
    },
)


@router.get("/{account_id}", summary="Whether an account may mail in bulk")
async def show(account_id: UUID, _: OperatorDep, session: SessionDep) -> BulkPermission:
    return BulkPermission.of(account_id, await repository.get(session, account_id))


@router.put(
    "/{account_id}",
    summary="Enable or disable an account's mass mailing",
    description="Batches with more recipients than `DISPATCH_BULK_RECIPIENTS_THRESHOLD` are "
    "refused with 403 `bulk_not_enabled` unless enabled here, typically once the contract "
    "is signed. Takes effect with the next batch; recorded in the account's audit log.",
)
async def decide(
    account_id: UUID, body: BulkDecision, operator: OperatorDep, session: SessionDep
) -> BulkPermission:
    row = await service.decide(session, operator, account_id, body.enabled, body.note)
    return BulkPermission.of(account_id, row)
