from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from contacts_service.consent import service
from contacts_service.consent.schemas import (
    ConsentRecordList,
    ConsentRecordResponse,
    ConsentWrite,
)
from shared.app import SessionDep
from shared.audit import AuditorDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/contacts/{contact_id}/consent",
    tags=["contacts"],
    responses=problem_responses(*AUTHENTICATED),
)

Reader = Annotated[Principal, Depends(require("contacts:read"))]
Writer = Annotated[Principal, Depends(require("contacts:write"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record a recipient's consent or its withdrawal (an opt-out) for one purpose",
    description="The latest record of a purpose is the contact's consent. A withdrawn "
    "`marketing` consent refuses marketing messages to the number (`recipient_opted_out`).",
    responses=problem_responses(404, 422),
)
async def record(
    contact_id: UUID,
    body: ConsentWrite,
    principal: Writer,
    session: SessionDep,
    auditor: AuditorDep,
) -> ConsentRecordResponse:
    consent = await service.record(session, principal.account_id, contact_id, body, auditor)
    return ConsentRecordResponse.of(consent)


@router.get(
    "",
    summary="The consent records of a recipient's number, newest first",
    responses=problem_responses(404, 422),
)
async def history(
    contact_id: UUID,
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ConsentRecordList:
    records = await service.history(session, principal.account_id, contact_id, limit)
    return ConsentRecordList(items=[ConsentRecordResponse.of(r) for r in records])
