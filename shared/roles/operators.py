"""Who may use a service's /v1/ops endpoints: the platform's operators only (role `ops`)."""

from typing import Annotated, Any

from fastapi import Depends

from shared.app import PrincipalDep
from shared.errors import ProblemError, problem_responses
from shared.roles import OPS_ROLE
from shared.security import Principal


class NotAnOperator(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403, "forbidden", "Forbidden", "Only the platform's operators (role ops) may do this"
        )


async def _operator(principal: PrincipalDep) -> Principal:
    # An API key's tokens carry their own role, never `ops`, so they are refused here too.
    if principal.role != OPS_ROLE:
        raise NotAnOperator()
    return principal


OperatorDep = Annotated[Principal, Depends(_operator)]

NOT_AN_OPERATOR_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {
        **problem_responses(403)[403],
        "description": "The caller is not a platform operator (`forbidden`)",
    }
}
