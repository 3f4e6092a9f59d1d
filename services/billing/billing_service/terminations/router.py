from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from billing_service.terminations import service
from billing_service.terminations.models import RefundState
from billing_service.terminations.schemas import (
    BankDetails,
    OpsRefundList,
    OpsRefundRequest,
    RefundRequestResponse,
    Rejection,
)
from shared.app import SessionDep
from shared.audit import AuditorDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.events import utcnow
from shared.roles import require
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep
from shared.security import Principal

Manager = Annotated[Principal, Depends(require("billing:manage"))]
Reader = Annotated[Principal, Depends(require("billing:read"))]

router = APIRouter(
    prefix="/v1/billing/refund-request",
    tags=["billing"],
    responses=problem_responses(*AUTHENTICATED),
)
ops_router = APIRouter(
    prefix="/v1/ops/refunds",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


@router.get(
    "",
    summary="The refund of the account's closing: its state, amount and due date",
    description="Reachable while the account is closed. The IBAN is masked.",
    responses=_problem(404, "`not_found`: the account has no refund request (yet)"),
)
async def refund_request(principal: Reader, session: SessionDep) -> RefundRequestResponse:
    return RefundRequestResponse.of(await service.current(session, principal.account_id))


@router.post(
    "/bank-details",
    summary="Give the bank account the refund is paid to",
    description="The first time, the refundable balance is set aside (refunds payable) and "
    "operators have 10 business days to pay it; until then the details may be corrected.",
    responses={
        **_problem(
            404,
            "`not_found`: no refund request (billing opens it seconds after the account "
            "closes, when there is money to give back)",
        ),
        **_problem(409, "`refund_request_closed`: paid, rejected or withdrawn"),
        **_problem(422, "`validation_error`: an IBAN or BIC that is not valid"),
    },
)
async def give_bank_details(
    body: BankDetails, principal: Manager, auditor: AuditorDep, session: SessionDep
) -> RefundRequestResponse:
    return RefundRequestResponse.of(await service.give_details(session, auditor, body))


@ops_router.get("", summary="Termination refund requests, oldest first")
async def list_refunds(
    operator: OperatorDep,
    session: SessionDep,
    state: Annotated[RefundState | None, Query()] = None,
    account_id: Annotated[UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OpsRefundList:
    found = await service.find(session, state, account_id, limit)
    return OpsRefundList(items=[OpsRefundRequest.of(request) for request in found])


@ops_router.get(
    "/overdue",
    summary="Requested refunds not paid within 10 business days of the bank details",
)
async def overdue_refunds(
    operator: OperatorDep,
    session: SessionDep,
    at: Annotated[date | None, Query(description="As of this day; default today (UTC)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OpsRefundList:
    found = await service.overdue(session, at or utcnow().date(), limit)
    return OpsRefundList(items=[OpsRefundRequest.of(request) for request in found])


@ops_router.post(
    "/{refund_id}/paid",
    summary="Record that the refund was transferred",
    description="Posts refunds payable -> payment clearing (the bank) once.",
    responses={
        **_problem(404, "`not_found`: no such refund request"),
        **_problem(
            409,
            "`refund_already_paid`, or `refund_not_payable`: awaiting the customer's bank "
            "details, rejected or withdrawn",
        ),
    },
)
async def mark_paid(
    refund_id: UUID, operator: OperatorDep, session: SessionDep
) -> OpsRefundRequest:
    return OpsRefundRequest.of(await service.mark_paid(session, operator, refund_id))


@ops_router.post(
    "/{refund_id}/reject",
    summary="Refuse a refund request: the money goes back to the account's balance",
    responses={
        **_problem(404, "`not_found`: no such refund request"),
        **_problem(409, "`refund_request_closed`: paid, rejected or withdrawn"),
        **_problem(422, "`validation_error`: no reason"),
    },
)
async def reject(
    refund_id: UUID, body: Rejection, operator: OperatorDep, session: SessionDep
) -> OpsRefundRequest:
    return OpsRefundRequest.of(await service.reject(session, operator, refund_id, body.reason))
