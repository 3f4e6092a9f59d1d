from typing import Annotated, Any

from fastapi import APIRouter, Query

from auth_service.audit import service
from auth_service.audit.deps import AuditReaderDep
from auth_service.audit.schemas import AuditEntry, AuditLogPage
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import forbidden_response

router = APIRouter(
    prefix="/v1/account/audit-log",
    tags=["account"],
    responses=problem_responses(*AUTHENTICATED),
)

_REFUSED: dict[int | str, dict[str, Any]] = {
    **forbidden_response("audit:read"),
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a cursor that is not one this "
        "endpoint gave (`invalid_cursor`)",
    },
}


@router.get(
    "",
    summary="The account's audit log, newest first",
    description="Logins, logouts, replayed refresh tokens, API keys created and revoked, "
    "profile changes and two-factor enrolment, and the other services' actions on personal "
    "data (`contact.created`, `contact.updated`, `contact.listed`, `contact.deleted`), "
    "with who, from which address and when. "
    "Records are kept for two years (AUTH_AUDIT_RETENTION_DAYS).",
    responses=_REFUSED,
)
async def audit_log(
    principal: AuditReaderDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditLogPage:
    records, next_cursor = await service.page(session, principal.account_id, cursor, limit)
    return AuditLogPage(
        items=[AuditEntry.model_validate(record, from_attributes=True) for record in records],
        next_cursor=next_cursor,
    )
