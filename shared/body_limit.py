"""A cap on request bodies, enforced before they are read whole.

A declared Content-Length over the cap is refused before a byte of the body is read; a
chunked body is counted as it arrives and refused the moment it passes the cap. Both answer
413 problem+json (`payload_too_large`).
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response

# What every service accepts, and the gateway's default. It fits the planned batch request
# of 1,000 messages at their largest, sent as UTF-8 JSON (RFC 8259 §8.1): a text of 10
# parts is at most 1,530 GSM characters (2 bytes each in UTF-8 at worst, e.g. "é") or 670
# UCS-2 units (3 bytes each at worst, e.g. CJK), so about 3.2 KB per message with its
# JSON and 3.2 MB per batch. 1 MiB would already refuse a batch of long plain texts.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body. An HTTPException because FastAPI's body reader turns
    any other exception into a 400, and the problem handlers render this one as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=_detail(max_bytes), headers={"Connection": "close"})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Reached only where no problem handler rendered it (e.g. a plain ASGI route).
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, since the rest of the body was never read off the connection.
        response = problem_response(
            413,
            "payload_too_large",
            "Payload too large",
            _detail(self.max_bytes),
            scope.get("path"),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _detail(max_bytes: int) -> str:
    return f"The request body exceeds the limit of {max_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            # The server has already refused a malformed one; be safe all the same.
            return int(value) if value.isdigit() else None
    return None
