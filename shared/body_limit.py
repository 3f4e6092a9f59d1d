"""A cap on request bodies, enforced before they are read whole.

A declared Content-Length over the cap is refused before a byte of the body is read; a
chunked body is counted as it arrives and refused the moment it passes the cap. Both answer
413 problem+json (`payload_too_large`).

Most clients (httpx, requests) send the whole body before they read any answer. Closing
the connection on unread bytes makes the kernel reset it, and such a client sees a broken
connection instead of the 413. So once the 413 is written, the rest of the body is read and
thrown away, within a bound in bytes and time, before the response is ended; nothing of
it is kept or forwarded.
"""

import asyncio
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

# What every service accepts, and the gateway's default. It fits the planned batch request
# of 1,000 messages at their largest, sent as UTF-8 JSON (RFC 8259 §8.1): a text of 10
# parts is at most 1,530 GSM characters (2 bytes each in UTF-8 at worst, e.g. "é") or 670
# UCS-2 units (3 bytes each at worst, e.g. CJK), so about 3.2 KB per message with its
# JSON and 3.2 MB per batch. 1 MiB would already refuse a batch of long plain texts.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

# How much of a refused body is drained so its sender can read the 413 (see above); past
# either bound the connection is simply closed.
_DRAIN_MAX_BYTES = 64 * 1024 * 1024
_DRAIN_MAX_SECONDS = 5.0


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body. An HTTPException because FastAPI's body reader turns
    any other exception into a 400, and the problem handlers render this one as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=_detail(max_bytes), headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        path_max_bytes: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Exact paths with their own limit, e.g. an upload route.
        self.path_max_bytes = dict(path_max_bytes or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_max_bytes.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            if exceeded:
                await _send_then_drain(message, receive, send)
            else:
                await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Reached only where no problem handler rendered it (e.g. a plain ASGI route).
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        async def draining_send(message: Message) -> None:
            await _send_then_drain(message, receive, send)

        # Connection: close: the rest of the body is drained at most, never read as a request.
        response = problem_response(
            413,
            "payload_too_large",
            "Payload too large",
            _detail(limit),
            scope.get("path"),
            headers={"Connection": "close"},
        )
        await response(scope, receive, draining_send)


async def _send_then_drain(message: Message, receive: Receive, send: Send) -> None:
    """Sends `message`; if it ends the response, drains the request body first, so the
    answer is on the wire while the client finishes sending (the server stops delivering
    the body once a response is complete)."""
    if message["type"] != "http.response.body" or message.get("more_body", False):
        await send(message)
        return
    await send({**message, "more_body": True})
    try:
        async with asyncio.timeout(_DRAIN_MAX_SECONDS):
            drained = 0
            while drained <= _DRAIN_MAX_BYTES:
                chunk = await receive()
                if chunk["type"] != "http.request":
                    break
                drained += len(chunk.get("body", b""))
                if not chunk.get("more_body", False):
                    break
    except TimeoutError:
        pass
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _detail(max_bytes: int) -> str:
    return f"The request body exceeds the limit of {max_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            # The server has already refused a malformed one; be safe all the same.
            return int(value) if value.isdigit() else None
    return None
