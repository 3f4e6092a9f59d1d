from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from auth_service.audit.deps import OriginDep
from auth_service.ops import service
from auth_service.ops.deps import OperatorDep
from auth_service.ops.schemas import OpsAccount, OpsAccountPage, StateReason
from auth_service.states.service import BLOCK, REINSTATE, SUSPEND, UNBLOCK, Transition
from auth_service.verification.service import end_trial as lift_trial
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses

router = APIRouter(
    prefix="/v1/ops",
    tags=["ops"],
    responses={
        **problem_responses(*AUTHENTICATED),
        403: {
            **problem_responses(403)[403],
            "description": "The caller is not a platform operator (`forbidden`)",
        },
    },
)

_SEARCH_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor that is not one this "
        "endpoint gave (`invalid_cursor`)",
    },
}

_ACTION_REFUSED: dict[int | str, dict[str, Any]] = {
    404: {**problem_responses(404)[404], "description": "No such account (`not_found`)"},
    409: {
        **problem_responses(409)[409],
        "description": "The account's state does not allow it, e.g. unblocking an account "
        "that is not blocked (`invalid_state_transition`; `state` is the current one)",
    },
    422: {**problem_responses(422)[422], "description": "Invalid input (`validation_error`)"},
}


@router.get(
    "/accounts",
    summary="Find customer accounts",
    description="By account id, or by part of the company name, the contact e-mail or a "
    "user's login e-mail (case-insensitive); newest first.",
    responses=_SEARCH_REFUSED,
)
async def search_accounts(
    _: OperatorDep,
    session: SessionDep,
    query: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> OpsAccountPage:
    accounts, next_cursor = await service.search(session, query, cursor, limit)
    return OpsAccountPage(
        items=[OpsAccount.model_validate(account) for account in accounts],
        next_cursor=next_cursor,
    )


async def _act(
    operator: OperatorDep,
    session: SessionDep,
    origin: OriginDep,
    account_id: UUID,
    transition: Transition,
    reason: str | None = None,
) -> OpsAccount:
    account = await service.act(session, origin, operator, account_id, transition, reason)
    return OpsAccount.model_validate(account)


@router.post(
    "/accounts/{account_id}/block",
    summary="Block an account for abuse",
    description="Everything is refused (`account_blocked`) but logging in and reading the "
    "account, where its users see the reason. From active, suspended or closed.",
    responses=_ACTION_REFUSED,
)
async def block(
    account_id: UUID,
    body: StateReason,
    operator: OperatorDep,
    session: SessionDep,
    origin: OriginDep,
) -> OpsAccount:
    return await _act(operator, session, origin, account_id, BLOCK, body.reason)


@router.post(
    "/accounts/{account_id}/unblock",
    summary="Lift a block: the account is active again",
    responses=_ACTION_REFUSED,
)
async def unblock(
    account_id: UUID, operator: OperatorDep, session: SessionDep, origin: OriginDep
) -> OpsAccount:
    return await _act(operator, session, origin, account_id, UNBLOCK)


@router.post(
    "/accounts/{account_id}/suspend",
    summary="Suspend an active account for non-payment",
    description="Reads are allowed; sending is refused (`account_suspended`).",
    responses=_ACTION_REFUSED,
)
async def suspend(
    account_id: UUID,
    body: StateReason,
    operator: OperatorDep,
    session: SessionDep,
    origin: OriginDep,
) -> OpsAccount:
    return await _act(operator, session, origin, account_id, SUSPEND, body.reason)


@router.post(
    "/accounts/{account_id}/reinstate",
    summary="Lift a suspension: the account is active again",
    responses=_ACTION_REFUSED,
)
async def reinstate(
    account_id: UUID, operator: OperatorDep, session: SessionDep, origin: OriginDep
) -> OpsAccount:
    return await _act(operator, session, origin, account_id, REINSTATE)


_TRIAL_REFUSED: dict[int | str, dict[str, Any]] = {
    404: {**problem_responses(404)[404], "description": "No such account (`not_found`)"},
    409: {
        **problem_responses(409)[409],
        "description": "The account is not on trial (`not_on_trial`)",
    },
    422: {**problem_responses(422)[422], "description": "Invalid input (`validation_error`)"},
}


@router.post(
    "/accounts/{account_id}/end-trial",
    summary="Lift an account's trial: its sending is no longer capped",
    description="Tokens issued from now on carry no `trial` claim; those already out keep "
    "it until they expire (15 minutes by default).",
    responses=_TRIAL_REFUSED,
)
async def end_trial(
    account_id: UUID, operator: OperatorDep, session: SessionDep, origin: OriginDep
) -> OpsAccount:
    account = await lift_trial(session, origin, operator, account_id)
    return OpsAccount.model_validate(account)
