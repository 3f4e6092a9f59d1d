from typing import Any
from uuid import UUID

from fastapi import APIRouter

from billing_service.ledger.money import format_units, to_units
from billing_service.postpaid import service
from billing_service.postpaid.schemas import PostpaidResponse, PostpaidTerms
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

ops_router = APIRouter(
    prefix="/v1/ops/accounts",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


def _response(account_id: UUID, terms: tuple[bool, int, int, str]) -> PostpaidResponse:
    postpaid, limit, balance, currency = terms
    return PostpaidResponse(
        account_id=account_id,
        postpaid=postpaid,
        credit_limit=format_units(limit),
        balance=format_units(balance),
        currency=currency,
    )


@ops_router.get(
    "/{account_id}/postpaid",
    summary="An account's payment terms: prepaid, or postpaid with a credit limit",
    responses=_problem(404, "`not_found`: billing has no such account"),
)
async def get_terms(
    account_id: UUID, operator: OperatorDep, session: SessionDep
) -> PostpaidResponse:
    return _response(account_id, await service.terms_of(session, account_id))


@ops_router.put(
    "/{account_id}/postpaid",
    summary="Make an account postpaid with a credit limit, or prepaid again",
    description="A postpaid balance may go down to minus the credit limit; the account's "
    "invoices unpaid past their due date suspend its sending until they are paid.",
    responses={
        **_problem(404, "`not_found`: billing has no such account"),
        **_problem(
            409,
            "`credit_limit_below_debt`: the balance owes more than the new limit allows",
        ),
        **_problem(
            422,
            "`validation_error`: a negative or over-precise limit, or a limit on a prepaid account",
        ),
    },
)
async def set_terms(
    account_id: UUID, body: PostpaidTerms, operator: OperatorDep, session: SessionDep
) -> PostpaidResponse:
    terms = await service.set_terms(
        session, operator, account_id, body.postpaid, to_units(body.credit_limit)
    )
    return _response(account_id, terms)
