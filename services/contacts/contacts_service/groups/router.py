from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from contacts_service.groups import service
from contacts_service.groups.schemas import GroupList, GroupResponse, GroupWrite, Members
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_response_doc, problem_responses
from shared.roles import require
from shared.security import Principal

# Registered before the contacts' router: "/v1/contacts/groups" is no contact id.
router = APIRouter(
    prefix="/v1/contacts/groups",
    tags=["contact groups"],
    responses=problem_responses(*AUTHENTICATED),
)

Reader = Annotated[Principal, Depends(require("contacts:read"))]
Writer = Annotated[Principal, Depends(require("contacts:write"))]

MEMBERS_REFUSED: dict[int | str, dict[str, Any]] = {
    404: problem_response_doc(404),
    422: problem_response_doc(422)
    | {
        "description": "Invalid input (`validation_error`), or ids that are not the "
        "account's contacts (`unknown_contacts`, listed in `contact_ids`); nothing changed"
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a group of contacts",
    responses=problem_responses(409, 422),
)
async def create_group(
    body: GroupWrite, principal: Writer, session: SessionDep, response: Response
) -> GroupResponse:
    group = await service.create(session, principal.account_id, body)
    response.headers["Location"] = f"{router.prefix}/{group.id}"
    return group


@router.get("", summary="The account's groups, by name")
async def list_groups(principal: Reader, session: SessionDep) -> GroupList:
    return GroupList(items=await service.list_all(session, principal.account_id))


@router.get("/{group_id}", summary="One group", responses=problem_responses(404))
async def get_group(group_id: UUID, principal: Reader, session: SessionDep) -> GroupResponse:
    return await service.get(session, principal.account_id, group_id)


@router.patch("/{group_id}", summary="Rename a group", responses=problem_responses(404, 409, 422))
async def rename_group(
    group_id: UUID, body: GroupWrite, principal: Writer, session: SessionDep
) -> GroupResponse:
    return await service.rename(session, principal.account_id, group_id, body)


@router.delete(
    "/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a group; its contacts stay",
    responses=problem_responses(404),
)
async def delete_group(group_id: UUID, principal: Writer, session: SessionDep) -> Response:
    await service.delete(session, principal.account_id, group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{group_id}/members",
    summary="Add contacts to a group (those already in it stay)",
    responses=MEMBERS_REFUSED,
)
async def add_members(
    group_id: UUID, body: Members, principal: Writer, session: SessionDep
) -> GroupResponse:
    return await service.add_members(session, principal.account_id, group_id, body.contact_ids)


@router.delete(
    "/{group_id}/members",
    summary="Take contacts out of a group; the contacts stay",
    responses=MEMBERS_REFUSED,
)
async def remove_members(
    group_id: UUID, body: Members, principal: Writer, session: SessionDep
) -> GroupResponse:
    return await service.remove_members(session, principal.account_id, group_id, body.contact_ids)
