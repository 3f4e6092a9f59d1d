"""RFC 9457 problem+json for every error, each with a stable machine-readable `code`."""

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.outage import is_database_outage

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


# The problem document as OpenAPI describes it: one schema, named the same in every
# service and in the gateway's merged document, so generated clients parse every error
# with one type. Extension members (e.g. `segments` on message_too_long) are allowed.
PROBLEM_SCHEMA_NAME = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable and meant for programs.",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "code": {"type": "string", "examples": ["validation_error"]},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "permission": {
            "description": "On 403 `forbidden`/`insufficient_scope`: the permission the "
            "operation needs (docs/roles.md)",
            "type": "string",
        },
        "errors": {
            "description": "Every invalid input, on validation errors",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["location", "message", "type"],
                "properties": {
                    "location": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing, invalid or expired bearer token",
    404: "No such resource for this account",
    408: "Request body did not arrive in time",
    409: "Conflicts with what exists",
    413: "Request body too large",
    422: "Invalid input; `errors` lists every problem",
    429: "Too many requests",
    500: "Unexpected failure; nothing personal is logged",
    502: "A service behind the gateway answered badly",
    503: "A service or its dependency is unavailable; retry later",
    504: "A service behind the gateway did not answer in time",
}


# What any operation behind a bearer token can answer besides its own errors: 401, and 503
# when auth's keys cannot be fetched to check the token.
AUTHENTICATED = (401, 503)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these statuses, each a problem+json document."""
    return {status: problem_response_doc(status) for status in statuses}


def problem_response_doc(status: int) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}
    return {
        "description": _DESCRIPTIONS.get(status, "Error"),
        "content": {PROBLEM_JSON: {"schema": ref}},
    }


def integer_header_doc(description: str) -> dict[str, Any]:
    """An OpenAPI response header holding a count or seconds (Retry-After, RateLimit-*)."""
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


class ProblemError(Exception):
    """A failure the client can act on. Raise it from services; the handler renders it."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,  # e.g. Retry-After on a 429
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


class NotFound(ProblemError):
    def __init__(self, what: str) -> None:
        super().__init__(404, "not_found", "Not found", f"{what} not found")


class Unauthorized(ProblemError):
    def __init__(self, detail: str = "A valid bearer token is required") -> None:
        super().__init__(401, "unauthorized", "Unauthorized", detail)


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://docs.smsgw.dev/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        exc.code,
        exc.title,
        exc.detail,
        request.url.path,
        exc.headers,
        **exc.extensions,
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES_BY_STATUS.get(exc.status_code, "error")
    title = code.replace("_", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})  # e.g. Allow on a 405
    return problem_response(exc.status_code, code, title, detail, request.url.path, headers)


# Validation error types raised by our own validators (pydantic_core.PydanticCustomError)
# that are stable enough to be the problem's `code` when they are all that went wrong.
_VALIDATION_CODES = frozenset({"invalid_text", "unknown_role"})


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: pydantic's `input` would echo the offending value
    # (a message text, a name) back into responses and logs.
    errors = [
        {"location": list(err.get("loc", ())), "message": err.get("msg", ""), "type": err["type"]}
        for err in exc.errors()
    ]
    types = {error["type"] for error in errors}
    code = types.pop() if len(types) == 1 and types <= _VALIDATION_CODES else "validation_error"
    return problem_response(
        422,
        code,
        "Invalid request",
        "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors),
        request.url.path,
        errors=errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)


class UnhandledErrorMiddleware:
    """The last line: an unexpected exception becomes a bare 500 problem and one log line
    naming where it happened, never what it said.

    Exception messages carry data: a database error quotes the statement's parameters (a
    recipient, a message text, a name). Starlette's own error middleware would hand the
    exception on to the server, which logs it in full, so this one answers and stops it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            outage = is_database_outage(exc)
            # The path only: query strings can carry personal data (phone numbers).
            log.log(
                logging.WARNING if outage else logging.ERROR,
                "%s %s failed: %s",
                scope.get("method"),
                scope.get("path"),
                describe_safely(exc),
            )
            if started:
                return  # too late for a problem document; the server ends the response
            if outage:
                # Nothing was committed; a client that retries (with its Idempotency-Key)
                # once the database is back loses nothing and sends nothing twice.
                response = problem_response(
                    503,
                    "service_unavailable",
                    "Service unavailable",
                    "The database is unavailable; retry shortly",
                    instance=scope.get("path"),
                    headers={"Retry-After": "1"},
                )
            else:
                response = problem_response(
                    500, "internal_error", "Internal server error", instance=scope.get("path")
                )
            await response(scope, receive, send)


def describe_safely(exc: BaseException) -> str:
    """Exception types and the code locations they passed through, without any message."""
    chain: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        where = " <- ".join(
            f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
            for frame in reversed(frames[-6:])
        )
        chain.append(f"{type(current).__module__}.{type(current).__qualname__} at {where}")
        current = current.__cause__ or current.__context__
    return "; caused by ".join(chain)
