"""The request's origin, for every audited route, and who may read the log."""

from typing import Annotated

from fastapi import Depends, Request

from auth_service.accounts.limits import client_ip
from auth_service.audit.service import Origin
from auth_service.config import AuthSettings
from shared.roles import require
from shared.security import Principal


async def _origin(request: Request) -> Origin:
    settings: AuthSettings = request.app.state.settings
    return Origin.of(
        client_ip(request, settings.trusted_proxy_networks), request.headers.get("user-agent")
    )


OriginDep = Annotated[Origin, Depends(_origin)]
# A person whose role grants `audit:read` (shared.roles); never an API key's token.
AuditReaderDep = Annotated[Principal, Depends(require("audit:read"))]
