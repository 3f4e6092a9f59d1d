"""Merge the services' OpenAPI documents into the one public document.

Pure functions over JSON; the inputs (cached documents) are never mutated.
"""

import json
from typing import Any

from gateway.account_states import refused
from gateway.admission import document_overload
from gateway.rate_limits import rate_limited_headers_doc, rate_limited_response_doc
from gateway.routes import is_public, resolve
from shared.errors import PROBLEM_SCHEMA, PROBLEM_SCHEMA_NAME, problem_response_doc
from shared.events import AccountState

Json = dict[str, Any]

REF_PREFIX = "#/components/schemas/"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
BEARER = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
# What the gateway itself answers on any operation, before or instead of the service:
# a body too slow to arrive or over its limit, and a service that is down, too slow or
# answers garbage; 429 past the account's rate limit (documented with its headers); and 503
# `overloaded` past the gateway's in-flight limit.
GATEWAY_ERRORS = (408, 413, 502, 503, 504)
ACCOUNT_STATES_REFUSED: tuple[AccountState, ...] = ("suspended", "blocked", "closed")
# Any operation behind a token: the gateway refuses an API key without its scope.
_INSUFFICIENT_SCOPE = {
    **problem_response_doc(403),
    "description": "Not allowed: e.g. an API key without this operation's scope "
    "(`insufficient_scope`)",
}


def merge(documents: dict[str, Json], version: str = "1.0.0") -> Json:
    """`documents` maps a service name to its OpenAPI document, in routing-table order."""
    parts = {service: _public_part(service, doc) for service, doc in documents.items()}
    renames = _renames({service: schemas for service, (_, schemas) in parts.items()})
    paths: Json = {}
    schemas: Json = {}
    for service, (service_paths, service_schemas) in parts.items():
        names = renames.get(service, {})
        paths.update(_rewrite_refs(service_paths, names))
        for name, schema in service_schemas.items():
            schemas[names.get(name, name)] = _rewrite_refs(schema, names)
    for path, item in paths.items():
        _apply_security(path, item)
        _document_gateway_errors(item)
    # The gateway's own errors refer to it; the services' identical copies merge into it.
    schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": "smsgw API", "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": BEARER},
    }


def _public_part(service: str, document: Json) -> tuple[Json, Json]:
    """The paths this service answers publicly, and only the schemas those paths reach,
    so internal routes' models never leak into the public document."""
    paths = {
        path: item for path, item in document.get("paths", {}).items() if resolve(path) == service
    }
    available: Json = document.get("components", {}).get("schemas", {})
    reached: Json = {}
    pending = _refs(paths)
    while pending:
        name = pending.pop()
        if name in reached or name not in available:
            continue
        reached[name] = available[name]
        pending |= _refs(available[name])
    return paths, reached


def _renames(schemas_by_service: dict[str, Json]) -> dict[str, dict[str, str]]:
    """Names two services define differently get the service name as a prefix, in every
    service that has them: a bare name then always means the same thing."""
    versions: dict[str, set[str]] = {}
    for schemas in schemas_by_service.values():
        for name, schema in schemas.items():
            versions.setdefault(name, set()).add(json.dumps(schema, sort_keys=True))
    clashing = {name for name, seen in versions.items() if len(seen) > 1}
    return {
        service: {name: f"{service}_{name}" for name in schemas if name in clashing}
        for service, schemas in schemas_by_service.items()
    }


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {name for value in node.values() for name in _refs(value)}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX) :])
        return found
    if isinstance(node, list):
        return {name for value in node for name in _refs(value)}
    return set()


def _rewrite_refs(node: Any, names: dict[str, str]) -> Any:
    """A deep copy of `node` with schema references renamed."""
    if isinstance(node, dict):
        copy = {key: _rewrite_refs(value, names) for key, value in node.items()}
        ref = copy.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            name = ref[len(REF_PREFIX) :]
            copy["$ref"] = REF_PREFIX + names.get(name, name)
        return copy
    if isinstance(node, list):
        return [_rewrite_refs(value, names) for value in node]
    return node


def _apply_security(path: str, item: Json) -> None:
    for method, operation in item.items():
        if method not in HTTP_METHODS or not isinstance(operation, dict):
            continue
        if is_public(method, path):
            operation["security"] = []  # explicitly public, whatever a client generator assumes
            continue
        operation["security"] = [{"bearerAuth": []}]
        responses = operation.setdefault("responses", {})
        responses.setdefault("401", problem_response_doc(401))
        forbidden = responses.setdefault("403", dict(_INSUFFICIENT_SCOPE))
        _document_account_states(forbidden, method, path)


def _document_account_states(forbidden: Json, method: str, path: str) -> None:
    """Adds the account states' refusals this operation can meet to its 403's words
    (a service's own 403 keeps its words first)."""
    codes = [
        f"`account_{state}`" for state in ACCOUNT_STATES_REFUSED if refused(state, method, path)
    ]
    if codes:
        forbidden["description"] = (
            f"{forbidden.get('description', 'Forbidden')}; or the account's state forbids it: "
            f"{', '.join(codes)} (the detail gives the reason)"
        )


def _document_gateway_errors(item: Json) -> None:
    for method, operation in item.items():
        if method not in HTTP_METHODS or not isinstance(operation, dict):
            continue
        responses = operation.setdefault("responses", {})
        for status in GATEWAY_ERRORS:
            responses.setdefault(str(status), problem_response_doc(status))
        # A service's own 429 (auth's login limit) keeps its words but gains the headers.
        limited = responses.setdefault("429", rate_limited_response_doc())
        limited["headers"] = {**rate_limited_headers_doc(), **limited.get("headers", {})}
        document_overload(responses)
