"""X-Request-ID on every request and every response, errors included.

The gateway gives each request its id (or keeps a plain one the client sent) and passes it
on; each service adopts it, so one request's log lines carry one id across processes."""

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import request_id_var

HEADER = "x-request-id"
# A client's id is kept only if it is short and plain: it ends up in every service's logs.
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class RequestIdMiddleware:
    """Pure ASGI rather than BaseHTTPMiddleware, so streamed bodies are not buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _from_client(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # Set in the task that serves the request, so every line it logs carries the id.
        request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Replace whatever an upstream echoed, so the response carries exactly one.
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def _from_client(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _ACCEPTABLE.fullmatch(candidate) else None
    return None
