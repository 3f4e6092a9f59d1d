from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from dlr_service.numbers import service
from dlr_service.numbers.schemas import NumberAssign, NumberList, NumberResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops/numbers",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a number that is neither E.164 "
        "nor a short code (`invalid_number`)",
    }
}


@router.get("", summary="Assigned numbers, in number order", responses=_INVALID)
async def list_(
    _: OperatorDep,
    session: SessionDep,
    account_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        str | None, Query(max_length=32, description="The last number of the previous page")
    ] = None,
) -> NumberList:
    rows = await service.list_(session, account_id, limit, after)
    return NumberList(items=[NumberResponse.model_validate(row) for row in rows])


@router.post(
    "",
    summary="Assign a virtual number or short code to an account",
    description="MO messages to it then belong to that account. Assigning it again to the "
    "same account changes nothing; to another is refused with 409 `number_taken`.",
    responses={
        **_INVALID,
        409: {**problem_responses(409)[409], "description": "`number_taken`"},
    },
)
async def assign(body: NumberAssign, _: OperatorDep, session: SessionDep) -> NumberResponse:
    row = await service.assign(session, body.number, body.account_id)
    return NumberResponse.model_validate(row)


@router.delete(
    "/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unassign a number; MO messages already received stay with their account",
    responses={**_INVALID, **problem_responses(404)},
)
async def unassign(number: str, _: OperatorDep, session: SessionDep) -> Response:
    await service.unassign(session, number)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
