from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from dispatch_service.senders import review
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.senders.problems import DECISION_REFUSED
from dispatch_service.senders.schemas import OpsSender, OpsSenderList, Reason, SenderState
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/senders",
    tags=["ops"],
    responses={
        **problem_responses(*AUTHENTICATED),
        **NOT_AN_OPERATOR_RESPONSE,
    },
)


@router.get("", summary="Sender names to review, oldest first")
async def queue(
    _: OperatorDep,
    session: SessionDep,
    state: SenderState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> OpsSenderList:
    rows = await review.queue(session, state, limit, offset)
    return OpsSenderList(items=[OpsSender.of(row) for row in rows])


@router.post(
    "/{sender_id}/approve",
    summary="Approve a pending sender name",
    description="Refused with 409 `sender_name_taken` if the name was approved for another "
    "account meanwhile: one name, one company.",
    responses=DECISION_REFUSED,
)
async def approve(
    sender_id: UUID, operator: OperatorDep, session: SessionDep, gate: SenderGateDep
) -> OpsSender:
    row = await review.approve(session, operator, sender_id)
    gate.forget()
    return OpsSender.of(row)


@router.post(
    "/{sender_id}/reject",
    summary="Reject a pending sender name; the customer sees the reason",
    responses=DECISION_REFUSED,
)
async def reject(
    sender_id: UUID, body: Reason, operator: OperatorDep, session: SessionDep
) -> OpsSender:
    return OpsSender.of(await review.reject(session, operator, sender_id, body.reason))


@router.post(
    "/{sender_id}/revoke",
    summary="Revoke an approved sender name; the customer sees the reason",
    description="Sends with it are refused within `DISPATCH_SENDERS_REFRESH_SECONDS`.",
    responses=DECISION_REFUSED,
)
async def revoke(
    sender_id: UUID, body: Reason, operator: OperatorDep, session: SessionDep, gate: SenderGateDep
) -> OpsSender:
    row = await review.revoke(session, operator, sender_id, body.reason)
    gate.forget()
    return OpsSender.of(row)
