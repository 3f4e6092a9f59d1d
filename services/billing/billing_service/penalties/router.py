from typing import Any

from fastapi import APIRouter

from billing_service.ledger.money import format_units, to_units
from billing_service.penalties import service
from billing_service.penalties.schemas import PenaltyCreate, PenaltyResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

ops_router = APIRouter(
    prefix="/v1/ops/penalties",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


@ops_router.post(
    "",
    status_code=201,
    summary="Penalise an account for a violation case",
    description="Takes `amount` from the account's balance to the platform's revenue, once "
    "per `case_id`, and records it in the account's audit log. The balance never goes below "
    "zero: a penalty it cannot cover is refused.",
    responses={
        **_problem(404, "`not_found`: billing has no such account"),
        **_problem(409, "`penalty_exists`: this case has its penalty already"),
        **_problem(
            422,
            "`validation_error` (amount not positive or over-precise, bad case id), or "
            "`insufficient_funds`: the balance does not cover it",
        ),
    },
)
async def post_penalty(
    body: PenaltyCreate, operator: OperatorDep, session: SessionDep
) -> PenaltyResponse:
    transaction_id, state = await service.post_penalty(
        session,
        operator,
        account_id=body.account_id,
        amount_units=to_units(body.amount),
        case_id=body.case_id,
        reason=body.reason,
    )
    return PenaltyResponse(
        transaction_id=transaction_id,
        account_id=body.account_id,
        amount=format_units(to_units(body.amount)),
        balance=format_units(state.amount_units),
        currency=state.currency,
    )
