from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from dispatch_service.templates import service
from dispatch_service.templates.schemas import (
    TemplateCreate,
    TemplateList,
    TemplateResponse,
    TemplateUpdate,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/templates", tags=["templates"], responses=problem_responses(*AUTHENTICATED)
)

# A template is a message text kept for later: whoever may send any text may keep one
# (API keys with `messages:send` included), and whoever reads messages reads templates.
Writer = Annotated[Principal, Depends(require("messages:send"))]
Reader = Annotated[Principal, Depends(require("messages:read"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Keep a message text with {{placeholders}}",
    responses=problem_responses(409, 422),
)
async def create_template(
    body: TemplateCreate, session: SessionDep, principal: Writer, response: Response
) -> TemplateResponse:
    template = await service.create(session, principal.account_id, body)
    response.headers["Location"] = f"{router.prefix}/{template.id}"
    return TemplateResponse.of(template)


@router.get("", summary="The account's templates, by name")
async def list_templates(session: SessionDep, principal: Reader) -> TemplateList:
    templates = await service.list_all(session, principal.account_id)
    return TemplateList(items=[TemplateResponse.of(template) for template in templates])


@router.get("/{template_id}", summary="One template", responses=problem_responses(404))
async def get_template(
    template_id: UUID, session: SessionDep, principal: Reader
) -> TemplateResponse:
    return TemplateResponse.of(await service.get(session, principal.account_id, template_id))


@router.patch(
    "/{template_id}",
    summary="Rename a template or change its text; messages already sent keep theirs",
    responses=problem_responses(404, 409, 422),
)
async def update_template(
    template_id: UUID, body: TemplateUpdate, session: SessionDep, principal: Writer
) -> TemplateResponse:
    template = await service.update(session, principal.account_id, template_id, body)
    return TemplateResponse.of(template)


@router.delete(
    "/{template_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a template; messages already sent keep their text",
    responses=problem_responses(404),
)
async def delete_template(template_id: UUID, session: SessionDep, principal: Writer) -> Response:
    await service.delete(session, principal.account_id, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
