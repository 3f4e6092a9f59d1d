"""Audit records of the services other than auth (issue 7, item 8), built the same way
everywhere: who from the token, the client's address as the gateway forwarded it, and the
action's names. The service stages the event in its outbox, on the action's own session,
so the record exists exactly when the action does; auth keeps the account's audit log."""

from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Request

from shared.app import PrincipalDep
from shared.client_address import client_ip
from shared.events import AuditRecorded
from shared.security import Principal
from shared.settings import VerifyingServiceSettings

IP_MAX = 45
USER_AGENT_MAX = 256
_KEY_PREFIX = "api_key:"  # an API key's tokens name it "api_key:<id>"

Details = dict[str, str | int | bool | list[str] | None]


@dataclass(frozen=True)
class Auditor:
    """Who acts in this request, and from where; makes the request's audit events."""

    account_id: UUID
    actor_type: Literal["user", "api_key"]
    actor_id: str
    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, principal: Principal, ip: str, user_agent: str | None) -> "Auditor":
        key_id = principal.subject.removeprefix(_KEY_PREFIX)
        actor: Literal["user", "api_key"] = "api_key" if key_id != principal.subject else "user"
        return cls(
            principal.account_id,
            actor,
            key_id,
            ip[:IP_MAX] or None,
            user_agent[:USER_AGENT_MAX] if user_agent else None,
        )

    def event(
        self,
        action: str,
        object_type: str | None = None,
        object_id: UUID | str | None = None,
        details: Details | None = None,
    ) -> AuditRecorded:
        """`action` is a stable dotted name ("contact.deleted"); `details` hold names and
        counts, never values or personal data."""
        return AuditRecorded(
            account_id=self.account_id,
            actor_type=self.actor_type,
            actor_id=self.actor_id,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            ip=self.ip,
            user_agent=self.user_agent,
            details=details or {},
        )


async def _auditor(request: Request, principal: PrincipalDep) -> Auditor:
    settings: VerifyingServiceSettings = request.app.state.runtime.settings
    ip = client_ip(request, settings.trusted_proxy_networks)
    return Auditor.of(principal, ip, request.headers.get("user-agent"))


AuditorDep = Annotated[Auditor, Depends(_auditor)]
