"""Which permission each route checks, read from its dependencies rather than declared a
second time: the OpenAPI `x-permission`, the documented 403, docs/roles.md's tables and the
gateway's scope table are all checked against what actually runs."""

from collections.abc import Iterable
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from shared.roles import Permission, PermissionCheck, forbidden_response

EXTENSION = "x-permission"


def declared_permission(route: APIRoute) -> Permission | None:
    """The permission `route` requires (through `Allowed`/`require`), or None."""
    found = set(_checks(route.dependant))
    if len(found) > 1:
        # Two checks would mean "needs both", which no table or doc here can say.
        raise ValueError(f"{route.path} checks several permissions: {sorted(found)}")
    return found.pop() if found else None


def document_permissions(routes: Iterable[BaseRoute]) -> None:
    """Adds `x-permission` and the 403 to each route that checks a permission. An
    operation that already documents a 403 of its own (an account's state) keeps it,
    with the permission's refusal added to its words. Idempotent: a router's routes are
    module-level, and documented again by each app made from them (tests make many)."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        permission = declared_permission(route)
        if permission is None or EXTENSION in (route.openapi_extra or {}):
            continue
        route.openapi_extra = {**(route.openapi_extra or {}), EXTENSION: permission}
        ours: dict[str, Any] = dict(forbidden_response(permission)[403])
        theirs = route.responses.get(403) or route.responses.get("403")
        if theirs is not None:
            ours["description"] = f"{ours['description']}; {theirs['description']}"
        route.responses.pop("403", None)
        route.responses[403] = {**(theirs or {}), **ours}


def _checks(dependant: Dependant) -> Iterable[Permission]:
    if isinstance(dependant.call, PermissionCheck):
        yield dependant.call.permission
    for sub in dependant.dependencies:
        yield from _checks(sub)
