"""A deadline for request bodies: one that has not fully arrived within it is answered 408
and goes no further. Without it, a client trickling a body holds a gateway connection and
an upstream socket for as long as it likes, and a few hundred such clients starve everyone.

The deadline runs from the request's start and covers only the body: a slow answer from a
service is the upstream timeout's business (504), not this one.
"""

import asyncio
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import ProblemError, problem_response


class BodyTimeout(ProblemError):
    """Raised from `receive`; the problem handler renders it, or the middleware does."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            "request_timeout",
            "Request timeout",
            f"The request body did not arrive within {seconds:g} seconds",
            # The rest of the body may still be on its way: never read it as a request.
            headers={"Connection": "close"},
        )


class BodyTimeoutMiddleware:
    def __init__(
        self, app: ASGIApp, seconds: float, path_seconds: Mapping[str, float] | None = None
    ) -> None:
        self.app = app
        self.seconds = seconds
        # Exact paths with a deadline of their own, e.g. an upload route.
        self.path_seconds = dict(path_seconds or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seconds = self.path_seconds.get(scope["path"], self.seconds)
        deadline = asyncio.get_running_loop().time() + seconds
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                # Waiting for a disconnect while the answer streams: not a body read.
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(seconds) from None
            body_done = message["type"] != "http.request" or not message.get("more_body")
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimeout as exc:
            # Reached only where no problem handler rendered it.
            if started:
                raise
            response = problem_response(
                exc.status, exc.code, exc.title, exc.detail, scope.get("path"), exc.headers
            )
            await response(scope, receive, send)
