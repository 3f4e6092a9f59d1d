"""Per-account request limits at the edge, so one customer (or one script) cannot take the
platform's capacity from the others.

A request with a verified token is counted against its account, and one made with an API
key against the key too (GATEWAY_API_KEY_RATE_LIMIT_*), so that one runaway integration
cannot take its account's whole budget from the account's others; any other request that
reaches a service's route (login, register, the key set, a missing or failing token) against
the client's address as gateway.forwarding settled it. The gateway's own /healthz, /readyz
and docs are never counted: probes and documentation must not compete with the API.

Counters live in Redis when REDIS_URL is set, so every replica shares one budget per key; in
this process otherwise. An unreachable Redis lets requests through (shared.ratelimit).
"""

import ipaddress
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from shared.errors import integer_header_doc, problem_response_doc
from shared.ratelimit import (
    Decision,
    RateLimited,
    RateLimiter,
    Rule,
    create_rate_limiter,
    rate_limit_headers,
)
from shared.security import Principal

# Where a request's decision waits for its answer, in the ASGI scope's per-request state.
_STATE_KEY = "rate_limit_headers"
# An API key's principal is "api_key:<key id>" (gateway.proxy).
_KEY_SUBJECT = "api_key:"
_HEADER_NAMES = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


@dataclass(frozen=True)
class RateLimits:
    limiter: RateLimiter
    # None: unlimited.
    default: Rule | None
    overrides: Mapping[UUID, Rule | None]
    # Each API key's own limit besides its account's; None: keys share the account's.
    per_key: Rule | None = None

    @classmethod
    def from_settings(cls, settings: GatewaySettings, limiter: RateLimiter) -> "RateLimits":
        def rule(per_second: float, burst: int = settings.rate_limit_burst) -> Rule | None:
            if per_second == 0:
                return None
            # GCRA's burst is the rule's limit; its period makes the sustained rate.
            return Rule(burst, burst / per_second)

        overrides = {
            account: rule(per_second)
            for account, per_second in settings.rate_limit_overrides.items()
        }
        per_key = rule(settings.api_key_rate_limit_per_second, settings.api_key_rate_limit_burst)
        return cls(limiter, rule(settings.rate_limit_per_second), overrides, per_key)

    async def count(self, request: Request, principal: Principal | None) -> None:
        """Counts the request against its API key and its account, or its client address
        without one; raises 429 past any limit. The headers of the tightest decision go on
        whatever is answered."""
        tightest: Decision | None = None
        for key, rule in self._counters(request, principal):
            decision = await self.limiter.hit(key, rule)
            if tightest is None or not decision.allowed or decision.remaining < tightest.remaining:
                tightest = decision
            if not decision.allowed:
                break  # refused by the key: the account's budget is not spent on it
        if tightest is None:
            return
        headers = rate_limit_headers(tightest)
        request.scope.setdefault("state", {})[_STATE_KEY] = headers
        if not tightest.allowed:
            raise RateLimited(headers)

    def _counters(self, request: Request, principal: Principal | None) -> list[tuple[str, Rule]]:
        if principal is None:
            rule = self.default
            return [] if rule is None else [(f"gateway:ip:{client_key(request)}", rule)]
        counters = []
        key_id = principal.subject.removeprefix(_KEY_SUBJECT)
        if self.per_key is not None and key_id != principal.subject:
            counters.append((f"gateway:api_key:{key_id}", self.per_key))
        rule = self.overrides.get(principal.account_id, self.default)
        if rule is not None:
            counters.append((f"gateway:account:{principal.account_id}", rule))
        return counters


def client_key(request: Request) -> str:
    """One key per IPv4 address, one per IPv6 /64 (what one customer line is given, so a
    client cannot make up a fresh budget from the addresses it owns)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def current_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


@asynccontextmanager
async def open_rate_limits(settings: GatewaySettings) -> AsyncIterator[RateLimits]:
    limiter = create_rate_limiter(settings.redis_url, prefix=settings.rate_limit_key_prefix)
    try:
        yield RateLimits.from_settings(settings, limiter)
    finally:
        await limiter.aclose()


class RateLimitHeadersMiddleware:
    """Puts a counted request's RateLimit-* headers on its answer, whoever wrote it: the
    service, or the gateway refusing it (401, 413, 502, ...). A service's own RateLimit-*
    (auth's login limit, say) is the more specific and stays."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Created here, so that a scope copied further in still shares this dict.
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            limit_headers: dict[str, str] | None = state.get(_STATE_KEY)
            if message["type"] == "http.response.start" and limit_headers:
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name.lower().encode(), value.encode())
                    for name, value in limit_headers.items()
                    if name.lower().encode() not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def rate_limited_headers_doc() -> dict[str, Any]:
    """The headers of a 429, for the merged OpenAPI."""
    return {
        "Retry-After": integer_header_doc("Seconds until a request is allowed again"),
        _HEADER_NAMES[0]: integer_header_doc("Requests allowed at once (the burst)"),
        _HEADER_NAMES[1]: integer_header_doc("Requests left now"),
        _HEADER_NAMES[2]: integer_header_doc("Seconds until the full burst is available again"),
    }


def rate_limited_response_doc() -> dict[str, Any]:
    """The 429 every operation can answer, for the merged OpenAPI."""
    doc = problem_response_doc(429)
    doc["description"] = (
        "Too many requests from this account or API key (or, without a valid token, this "
        "address): "
        "`rate_limited`; retry after `Retry-After` seconds. Every answer carries `RateLimit-*`."
    )
    doc["headers"] = rate_limited_headers_doc()
    return doc
