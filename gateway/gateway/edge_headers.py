"""Headers every answer of the gateway carries, the services' answers and its own errors
alike: what browsers should not do with them, and which web origins may read them."""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings

_FIXED = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_FRAME_ANCESTORS = (b"content-security-policy", b"frame-ancestors 'none'")

# What the web app sends and what it must be able to read back (Retry-After on a 429, the
# request id to quote to support, RateLimit-* on every answer).
_CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID")
_CORS_EXPOSED_HEADERS = (
    "X-Request-ID",
    "Retry-After",
    "Location",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.fixed = list(_FIXED)
        if hsts_seconds > 0:
            self.fixed.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))
        self.names = {name for name, _ in self.fixed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # The edge's policy wins over whatever a service said.
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() not in self.names
                ]
                if not any(name.lower() == _FRAME_ANCESTORS[0] for name, _ in headers):
                    headers.append(_FRAME_ANCESTORS)
                message = {**message, "headers": headers + self.fixed}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_cors(app: FastAPI, settings: GatewaySettings, methods: list[str]) -> None:
    """Browsers on the web app's origins may call the API; without origins, no CORS at all.
    Tokens travel in Authorization, never in cookies, so no credentials mode."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=methods,
        allow_headers=_CORS_REQUEST_HEADERS,
        expose_headers=_CORS_EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=600,
    )
