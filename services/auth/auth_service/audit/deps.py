"""The request's origin, for every audited route, and who may read the log."""

from typing import Annotated

from fastapi import Depends, Request

from auth_service.accounts.limits import client_ip
from auth_service.api_keys.service import API_KEY_ROLE
from auth_service.audit.service import Origin
from auth_service.config import AuthSettings
from shared.app import PrincipalDep
from shared.errors import ProblemError
from shared.security import Principal

READER_ROLES = frozenset({"owner", "admin"})


async def _origin(request: Request) -> Origin:
    settings: AuthSettings = request.app.state.settings
    return Origin.of(
        client_ip(request, settings.trusted_proxy_networks), request.headers.get("user-agent")
    )


class KeyCannotReadAudit(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "insufficient_scope",
            "Insufficient scope",
            "The audit log is read by a person logged in to the account, never by an API key",
        )


class NotAnAdministrator(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            403, "forbidden", "Forbidden", "Only an owner or admin of the account may read it"
        )


async def _reader(principal: PrincipalDep) -> Principal:
    if principal.role == API_KEY_ROLE:
        raise KeyCannotReadAudit()
    if principal.role not in READER_ROLES:
        raise NotAnAdministrator()
    return principal


OriginDep = Annotated[Origin, Depends(_origin)]
AuditReaderDep = Annotated[Principal, Depends(_reader)]
