"""Who may do what (issue 7, item 4): the role × operation table every service checks.

A person's role comes from the access token's `role` claim; auth sets it from the user's
role in the account. An API key's tokens carry role `api_key` and the key's scopes: a key
may do exactly what its scopes name (the gateway checks the same before forwarding), and
never anything a person does by role alone (users, keys, the account, the audit log).

docs/roles.md shows this table; tests/unit/test_roles_table.py checks that they agree and
tests/integration/test_role_matrix.py that every service enforces it.
"""

from typing import Annotated, Any, Final, Literal, get_args

from fastapi import Depends

from shared.app import PrincipalDep
from shared.errors import ProblemError, problem_response_doc
from shared.events import ApiKeyScope
from shared.security import Principal

Permission = Literal[
    # What an API key's scopes can also grant (shared.events.ApiKeyScope).
    "messages:send",
    "messages:read",
    "contacts:write",
    "contacts:read",
    "billing:read",
    # People only.
    "billing:manage",  # top-ups, payment methods, invoices' details
    "api_keys:manage",
    "users:manage",  # invite, change roles, remove
    "account:read",
    "account:manage",  # profile, sender names, webhooks
    "account:close",
    "audit:read",
    # Data-subject rights (R17): export or erase a recipient's personal data.
    "privacy:manage",
    # The whole account's data in one archive (R17, issue 11 item 6): its owners only.
    "account:export",
]
Role = Literal["owner", "admin", "developer", "billing", "viewer"]

ALL_PERMISSIONS: Final = frozenset(get_args(Permission))
ROLES: Final[tuple[Role, ...]] = get_args(Role)
API_KEY_ROLE: Final = "api_key"
OPS_ROLE: Final = "ops"
# The scopes auth lets a key have, but `*` (which stands for all of them): one list, so a
# scope added there is never silently refused here.
KEY_SCOPES: Final = frozenset(get_args(ApiKeyScope)) - {"*"}

ROLE_PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "owner": ALL_PERMISSIONS,
    # Everything but ending the account and taking all of it away: those stay with its
    # owners.
    "admin": ALL_PERMISSIONS - {"account:close", "account:export"},
    "developer": frozenset(
        {
            "messages:send",
            "messages:read",
            "contacts:write",
            "contacts:read",
            "api_keys:manage",
            "account:read",
        }
    ),
    "billing": frozenset({"billing:read", "billing:manage", "account:read"}),
    "viewer": frozenset({"messages:read", "contacts:read", "billing:read", "account:read"}),
    # The platform's staff act through /v1/ops only, never as a customer's user.
    OPS_ROLE: frozenset(),
}


def permissions_of(principal: Principal) -> frozenset[str]:
    if principal.role == API_KEY_ROLE:
        if "*" in principal.scopes:
            return KEY_SCOPES
        return principal.scopes & KEY_SCOPES
    return ROLE_PERMISSIONS.get(principal.role, frozenset())


def allowed(principal: Principal, permission: Permission) -> bool:
    return permission in permissions_of(principal)


class Forbidden(ProblemError):
    def __init__(self, principal: Principal, permission: Permission) -> None:
        if principal.role == API_KEY_ROLE:
            if permission in KEY_SCOPES:
                detail = f"This API key lacks the `{permission}` scope"
            else:
                detail = "This is for a person logged in to the account, not for an API key"
            super().__init__(
                403, "insufficient_scope", "Insufficient scope", detail, permission=permission
            )
        else:
            super().__init__(
                403,
                "forbidden",
                "Forbidden",
                f"The role `{principal.role}` may not do this (it needs `{permission}`)",
                permission=permission,
            )


class PermissionCheck:
    """The dependency `require` returns: it keeps its permission, so that the routes'
    OpenAPI (`x-permission`, the 403) is derived from the very check that runs
    (shared.roles.routes) and the two cannot drift."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, principal: PrincipalDep) -> Principal:
        if not allowed(principal, self.permission):
            raise Forbidden(principal, self.permission)
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission!r})"


def require(permission: Permission) -> PermissionCheck:
    """A dependency: the caller, if its role (or key's scopes) grants `permission`."""
    return PermissionCheck(permission)


def Allowed(permission: Permission) -> Any:  # noqa: N802 - reads as a type in signatures
    """`principal: Allowed("messages:send")`: the caller, checked for `permission`."""
    return Annotated[Principal, Depends(require(permission))]


def forbidden_response(permission: Permission) -> dict[int | str, dict[str, Any]]:
    """The 403 entry of an operation that needs `permission`, for its OpenAPI `responses`
    (create_service_app adds it, and `x-permission`, to every route that checks one)."""
    return {
        403: {
            **problem_response_doc(403),
            "description": f"`forbidden` (the caller's role lacks `{permission}`) or "
            "`insufficient_scope` (an API key without it)",
        }
    }
