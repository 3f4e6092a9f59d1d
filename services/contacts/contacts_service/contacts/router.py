from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent import service as consent
from contacts_service.contacts import service
from contacts_service.contacts.models import TAG_MAX, Contact
from contacts_service.contacts.repository import Search
from contacts_service.contacts.schemas import (
    ContactCreate,
    ContactList,
    ContactResponse,
    ContactUpdate,
)
from shared.app import SessionDep
from shared.audit import AuditorDep
from shared.errors import AUTHENTICATED, problem_response_doc, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/contacts", tags=["contacts"], responses=problem_responses(*AUTHENTICATED)
)
LIST_422 = problem_response_doc(422) | {
    "description": "Invalid input (`validation_error`), or a cursor that is not one this "
    "endpoint gave (`invalid_cursor`)"
}


async def _response(session: AsyncSession, contact: Contact) -> ContactResponse:
    states = await consent.of_numbers(session, contact.account_id, [contact.phone])
    return ContactResponse.of(contact, states.get(contact.phone))


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
    return await _response(session, contact)


@router.get(
    "",
    summary="The account's recipients, newest first; filtered by text, tag or group",
    responses={422: LIST_422},
)
async def list_(
    principal: Reader,
    session: SessionDep,
    auditor: AuditorDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="In the name, e-mail or phone number, whatever the case",
        ),
    ] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=TAG_MAX)] = None,
    group_id: Annotated[UUID | None, Query(description="Only this group's members")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="A previous page's `next_cursor`")
    ] = None,
) -> ContactList:
    search = Search(
        q=q.strip() if q else None, tag=tag.strip().lower() if tag else None, group_id=group_id
    )
    contacts, next_cursor = await service.list_contacts(
        session, principal.account_id, search, cursor, limit, auditor
    )
    states = await consent.of_numbers(session, principal.account_id, [c.phone for c in contacts])
    items = [ContactResponse.of(c, states.get(c.phone)) for c in contacts]
    return ContactList(items=items, next_cursor=next_cursor)


@router.get("/{contact_id}", summary="One recipient", responses=problem_responses(404))
async def get(contact_id: UUID, principal: Reader, session: SessionDep) -> ContactResponse:
    contact = await service.get_contact(session, principal.account_id, contact_id)
    return await _response(session, contact)


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
    return await _response(session, contact)


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
