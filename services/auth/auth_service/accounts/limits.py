"""Per-client-IP limits on login and register, checked before any password is hashed.
The client's address is shared.client_address's (re-exported here for auth's callers)."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from auth_service.accounts.passwords import Passwords
from auth_service.config import AuthSettings
from shared.client_address import client_ip, limit_key
from shared.errors import ProblemError
from shared.ratelimit import RateLimited, RateLimiter, Rule, rate_limit_headers


def per_client_ip(action: str) -> Callable[[Request, Response], AsyncIterator[None]]:
    """A dependency that counts one `action` for the client's IP and refuses it with 429
    past the limit. Every other answer carries the RateLimit-* headers too, errors included
    (a failed login tells how many attempts are left)."""

    async def check(request: Request, response: Response) -> AsyncIterator[None]:
        settings: AuthSettings = request.app.state.settings
        limit: int = getattr(settings, f"{action}_rate_limit")
        if limit == 0:
            yield
            return
        rule = Rule(limit, getattr(settings, f"{action}_rate_period_seconds"))
        limiter: RateLimiter = request.app.state.rate_limiter
        ip = client_ip(request, settings.trusted_proxy_networks)
        decision = await limiter.hit(f"auth:{action}:{limit_key(ip)}", rule)
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            raise RateLimited(headers, "Too many attempts from this address")
        response.headers.update(headers)
        try:
            yield
        except ProblemError as exc:
            exc.headers = {**headers, **(exc.headers or {})}
            raise

    return check


async def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


PasswordsDep = Annotated[Passwords, Depends(_passwords)]
