from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from contacts_service.fields import service
from contacts_service.fields.schemas import KEY_PATTERN, FieldCreate, FieldList, FieldResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

# Registered before the contacts' router: "/v1/contacts/fields" is no contact id.
router = APIRouter(
    prefix="/v1/contacts/fields",
    tags=["contacts"],
    responses=problem_responses(*AUTHENTICATED),
)

Reader = Annotated[Principal, Depends(require("contacts:read"))]
Writer = Annotated[Principal, Depends(require("contacts:write"))]
Key = Annotated[str, Path(pattern=KEY_PATTERN)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a field to the account's contacts (text, number, date or boolean)",
    responses=problem_responses(409, 422),
)
async def create_field(body: FieldCreate, principal: Writer, session: SessionDep) -> FieldResponse:
    field = await service.create(session, principal.account_id, body)
    return FieldResponse.model_validate(field)


@router.get("", summary="The account's contact fields, by key")
async def list_fields(principal: Reader, session: SessionDep) -> FieldList:
    fields = await service.list_all(session, principal.account_id)
    return FieldList(items=[FieldResponse.model_validate(field) for field in fields])


@router.delete(
    "/{key}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a field and every contact's value of it",
    responses=problem_responses(404),
)
async def delete_field(key: Key, principal: Writer, session: SessionDep) -> Response:
    await service.delete(session, principal.account_id, key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
