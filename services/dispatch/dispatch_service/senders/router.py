from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from dispatch_service.senders import service
from dispatch_service.senders.intake import SenderGateDep
from dispatch_service.senders.problems import NOT_APPROVED, NOT_FOUND, REQUEST_REFUSED
from dispatch_service.senders.schemas import (
    DefaultSenderRequest,
    SenderList,
    SenderRequest,
    SenderResponse,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response, require
from shared.security import Principal

# shared.roles.Allowed(...) spelled so that mypy takes it as a type.
AccountManager = Annotated[Principal, Depends(require("account:manage"))]
AccountReader = Annotated[Principal, Depends(require("account:read"))]

router = APIRouter(
    prefix="/v1/senders", tags=["senders"], responses=problem_responses(*AUTHENTICATED)
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Request a sender name",
    description="The name waits `pending` for an operator, who approves or rejects it (with "
    "a reason). Alphanumeric: 1-11 of A-Z, a-z, 0-9, space and `. - _ &`, with a letter; "
    "numeric: up to 15 digits, optionally after `+`.",
    responses={**REQUEST_REFUSED, **forbidden_response("account:manage")},
)
async def request_name(
    body: SenderRequest,
    session: SessionDep,
    principal: AccountManager,
    gate: SenderGateDep,
    response: Response,
) -> SenderResponse:
    row = await service.request_name(session, principal, body, gate.brands)
    response.headers["Location"] = f"{router.prefix}/{row.id}"
    return SenderResponse.of(row)


@router.get(
    "",
    summary="The account's sender names, newest first, with state and reason",
    responses=forbidden_response("account:read"),
)
async def list_names(session: SessionDep, principal: AccountReader) -> SenderList:
    rows, default_id = await service.list_names(session, principal.account_id)
    return SenderList(items=[SenderResponse.of(row, default_id) for row in rows])


@router.put(
    "/default",
    summary="Choose the sender of sends without one, among the approved names",
    responses={**NOT_APPROVED, **forbidden_response("account:manage")},
)
async def set_default(
    body: DefaultSenderRequest,
    session: SessionDep,
    principal: AccountManager,
    gate: SenderGateDep,
) -> SenderResponse:
    row = await service.set_default(session, principal, body.name)
    gate.forget()
    return SenderResponse.of(row, row.id)


@router.delete(
    "/{sender_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a pending name or give up an approved one",
    description="A pending name becomes `withdrawn`, an approved one `revoked` (and stops "
    "being the default); one already ended is left as it is.",
    responses={**NOT_FOUND, **forbidden_response("account:manage")},
)
async def withdraw(
    sender_id: UUID,
    session: SessionDep,
    principal: AccountManager,
    gate: SenderGateDep,
) -> None:
    await service.withdraw(session, principal, sender_id)
    gate.forget()
