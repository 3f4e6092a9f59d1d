from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from contacts_service.config import ContactsSettings
from contacts_service.imports import service
from contacts_service.imports.models import ContactImport
from contacts_service.imports.schemas import ImportList, ImportResponse
from contacts_service.pages import newest_first
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

# Registered before the contacts' router: "/v1/contacts/imports" is no contact id.
router = APIRouter(
    prefix="/v1/contacts/imports",
    tags=["contact imports"],
    responses=problem_responses(*AUTHENTICATED),
)

Reader = Annotated[Principal, Depends(require("contacts:read"))]
Writer = Annotated[Principal, Depends(require("contacts:write"))]


def _settings(request: Request) -> ContactsSettings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, ContactsSettings)
    return settings


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload a CSV of contacts to import (processed in the background)",
    responses=problem_responses(404, 413, 415, 422),
)
async def create_import(
    request: Request,
    principal: Writer,
    session: SessionDep,
    response: Response,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(description="JSON: {column header: contact field}")],
    group_id: Annotated[UUID | None, Form()] = None,
) -> ImportResponse:
    settings = _settings(request)
    job = await service.create_import(
        session,
        principal.account_id,
        file,
        mapping,
        group_id,
        settings.import_dir,
        settings.import_max_bytes,
    )
    response.headers["Location"] = f"{router.prefix}/{job.id}"
    return ImportResponse.model_validate(job)


_BAD_PAGE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor that is not one this "
        "endpoint gave (`invalid_cursor`)",
    }
}


@router.get(
    "",
    summary="The account's imports, newest first, with their state and counts",
    responses=_BAD_PAGE,
)
async def list_imports(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="A previous page's `next_cursor`")
    ] = None,
) -> ImportList:
    jobs, next_cursor = await newest_first(
        session, ContactImport, principal.account_id, cursor, limit
    )
    return ImportList(
        items=[ImportResponse.model_validate(job) for job in jobs], next_cursor=next_cursor
    )


@router.get(
    "/{import_id}", summary="An import's state and progress", responses=problem_responses(404)
)
async def get_import(import_id: UUID, principal: Reader, session: SessionDep) -> ImportResponse:
    return ImportResponse.model_validate(
        await service.get_import(session, principal.account_id, import_id)
    )


@router.get(
    "/{import_id}/errors.csv",
    summary="The skipped rows: row number and reason",
    response_class=FileResponse,
    responses=problem_responses(404),
)
async def get_errors(
    request: Request, import_id: UUID, principal: Reader, session: SessionDep
) -> Response:
    job = await service.get_import(session, principal.account_id, import_id)
    path = service.errors_path(_settings(request).import_dir, job.id)
    if not Path(path).exists():
        return Response("row,reason\r\n", media_type="text/csv")
    return FileResponse(path, media_type="text/csv", filename=f"import-{job.id}-errors.csv")
