from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from contacts_service.contacts import service
from contacts_service.contacts.schemas import (
    ContactCreate,
    ContactList,
    ContactResponse,
    ContactUpdate,
)
from shared.app import SessionDep
from shared.audit import AuditorDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/contacts", tags=["contacts"], responses=problem_responses(*AUTHENTICATED)
)
# Far beyond any account's contacts, yet small enough for every database's OFFSET: an
# unbounded one reached PostgreSQL as an out-of-range bigint and failed there (a 500).
MAX_OFFSET = 1_000_000_000

Reader = Annotated[Principal, Depends(require("contacts:read"))]
Writer = Annotated[Principal, Depends(require("contacts:write"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a recipient",
    responses=problem_responses(409, 422),
)
async def create(
    body: ContactCreate, principal: Writer, session: SessionDep, auditor: AuditorDep
) -> ContactResponse:
    contact = await service.create_contact(session, principal.account_id, body, auditor)
    return ContactResponse.of(contact)


@router.get("", summary="The account's recipients, newest first")
async def list_(
    principal: Reader,
    session: SessionDep,
    auditor: AuditorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ContactList:
    contacts, total = await service.list_contacts(
        session, principal.account_id, limit, offset, auditor
    )
    return ContactList(items=[ContactResponse.of(c) for c in contacts], total=total)


@router.get("/{contact_id}", summary="One recipient", responses=problem_responses(404))
async def get(contact_id: UUID, principal: Reader, session: SessionDep) -> ContactResponse:
    contact = await service.get_contact(session, principal.account_id, contact_id)
    return ContactResponse.of(contact)


@router.patch(
    "/{contact_id}",
    summary="Change some of a recipient's fields; null clears an optional one",
    responses=problem_responses(404, 409, 422),
)
async def update(
    contact_id: UUID,
    body: ContactUpdate,
    principal: Writer,
    session: SessionDep,
    auditor: AuditorDep,
) -> ContactResponse:
    contact = await service.update_contact(session, principal.account_id, contact_id, body, auditor)
    return ContactResponse.of(contact)


@router.delete(
    "/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Erase a recipient (R17)",
    responses=problem_responses(404),
)
async def delete(
    contact_id: UUID, principal: Writer, session: SessionDep, auditor: AuditorDep
) -> Response:
    await service.delete_contact(session, principal.account_id, contact_id, auditor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
