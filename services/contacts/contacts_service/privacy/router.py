from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse

from contacts_service.config import ContactsSettings
from contacts_service.pages import newest_first
from contacts_service.privacy import erasure, service
from contacts_service.privacy.models import PrivacyErasure, PrivacyExport
from contacts_service.privacy.schemas import (
    ErasureCreate,
    ErasureList,
    ErasureResponse,
    ExportCreate,
    ExportList,
    ExportResponse,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/privacy/exports",
    tags=["privacy"],
    responses=problem_responses(*AUTHENTICATED),
)

Manager = Annotated[Principal, Depends(require("privacy:manage"))]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=200, description="A previous page's `next_cursor`")]
_BAD_PAGE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor that is not one this "
        "endpoint gave (`invalid_cursor`)",
    }
}


def _settings(request: Request) -> ContactsSettings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, ContactsSettings)
    return settings


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Export a recipient's personal data (or the whole account's) from every service",
    description="Give exactly one of `phone`, `contact_id` or `all`. The archive (a zip of "
    "JSON and CSV per table) is built in the background; `all` also needs `account:export` "
    "(the owner).",
    responses=problem_responses(404, 422),
)
async def create_export(
    body: ExportCreate, principal: Manager, session: SessionDep, response: Response
) -> ExportResponse:
    export = await service.create(session, principal, body)
    response.headers["Location"] = f"{router.prefix}/{export.id}"
    return ExportResponse.model_validate(export)


@router.get(
    "",
    summary="The account's exports, newest first, with their state",
    description="Expired and failed ones too, until the retention job removes them.",
    responses=_BAD_PAGE,
)
async def list_exports(
    principal: Manager, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> ExportList:
    exports, next_cursor = await newest_first(
        session, PrivacyExport, principal.account_id, cursor, limit
    )
    return ExportList(
        items=[ExportResponse.model_validate(export) for export in exports],
        next_cursor=next_cursor,
    )


@router.get("/{export_id}", summary="An export's state", responses=problem_responses(404))
async def get_export(export_id: UUID, principal: Manager, session: SessionDep) -> ExportResponse:
    return ExportResponse.model_validate(
        await service.get(session, principal.account_id, export_id)
    )


@router.get(
    "/{export_id}/download",
    summary="The export's zip, while it is ready (7 days by default)",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/zip": {}}},
        **problem_responses(404, 409, 410),
    },
)
async def download(
    request: Request, export_id: UUID, principal: Manager, session: SessionDep
) -> FileResponse:
    path = await service.download_path(
        session, principal.account_id, export_id, _settings(request).export_dir
    )
    return FileResponse(path, media_type="application/zip", filename=f"export-{export_id}.zip")


erasures_router = APIRouter(
    prefix="/v1/privacy/erasures",
    tags=["privacy"],
    responses=problem_responses(*AUTHENTICATED),
)


@erasures_router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Erase a recipient's number everywhere (R17)",
    description="Every service deletes or redacts what it holds about the number (message "
    "texts and numbers become `[redacted]`/`redacted`), vacuums the tables and reports; the "
    "request is `completed` when all have. A number nobody holds completes with zero rows.",
    responses=problem_responses(422),
)
async def create_erasure(
    body: ErasureCreate, principal: Manager, session: SessionDep, response: Response
) -> ErasureResponse:
    created = await erasure.request(session, principal, body.phone)
    response.headers["Location"] = f"{erasures_router.prefix}/{created.id}"
    return await erasure.report(session, principal.account_id, created.id)


@erasures_router.get(
    "",
    summary="The account's erasures, newest first, with their progress per service",
    description="The erased numbers are not listed: contacts keeps none of them.",
    responses=_BAD_PAGE,
)
async def list_erasures(
    principal: Manager, session: SessionDep, limit: Limit = 20, cursor: Cursor = None
) -> ErasureList:
    erasures, next_cursor = await newest_first(
        session, PrivacyErasure, principal.account_id, cursor, limit
    )
    return ErasureList(items=await erasure.reports(session, erasures), next_cursor=next_cursor)


@erasures_router.get(
    "/{erasure_id}",
    summary="An erasure's progress, per service",
    responses=problem_responses(404),
)
async def get_erasure(erasure_id: UUID, principal: Manager, session: SessionDep) -> ErasureResponse:
    return await erasure.report(session, principal.account_id, erasure_id)
