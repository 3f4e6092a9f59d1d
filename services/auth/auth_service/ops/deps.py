from typing import Annotated

from fastapi import Depends

from shared.app import PrincipalDep
from shared.errors import ProblemError
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
