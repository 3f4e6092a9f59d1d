"""Per-client-IP limits on login and register, checked before any password is hashed."""

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from auth_service.accounts.passwords import Passwords
from auth_service.config import AuthSettings, IpNetwork
from shared.errors import ProblemError
from shared.ratelimit import RateLimiter, Rule, rate_limit_headers


class RateLimited(ProblemError):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(
            429,
            "rate_limited",
            "Too many requests",
            f"Too many attempts from this address; retry in {headers['Retry-After']} s",
            headers=headers,
        )


def client_ip(request: Request, trusted: tuple[IpNetwork, ...]) -> str:
    """The client's address: the rightmost X-Forwarded-For entry when the peer is a trusted
    proxy (the gateway appends the client as it sees it there), else the peer itself.

    uvicorn may already have replaced the peer with a forwarded address (it trusts
    127.0.0.1 by default); the header's rightmost entry is then that same address.
    """
    peer = request.client.host if request.client else ""
    if _within(peer, trusted):
        forwarded = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
        if forwarded[-1] and _parse(forwarded[-1]) is not None:
            return forwarded[-1]
    return peer


def limit_key(ip: str) -> str:
    """One key per IPv4 address, one per IPv6 /64 (what one customer line is given)."""
    address = _parse(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return ip


def _parse(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


def _within(ip: str, networks: tuple[IpNetwork, ...]) -> bool:
    address = _parse(ip)
    return address is not None and any(address in network for network in networks)


def per_client_ip(action: str) -> Callable[[Request, Response], Awaitable[None]]:
    """A dependency that counts one `action` for the client's IP and refuses it with 429
    past the limit; allowed answers carry the RateLimit-* headers too."""

    async def check(request: Request, response: Response) -> None:
        settings: AuthSettings = request.app.state.settings
        limit: int = getattr(settings, f"{action}_rate_limit")
        if limit == 0:
            return
        rule = Rule(limit, getattr(settings, f"{action}_rate_period_seconds"))
        limiter: RateLimiter = request.app.state.rate_limiter
        ip = client_ip(request, settings.trusted_proxy_networks)
        decision = await limiter.hit(f"auth:{action}:{limit_key(ip)}", rule)
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            raise RateLimited(headers)
        response.headers.update(headers)

    return check


async def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


PasswordsDep = Annotated[Passwords, Depends(_passwords)]
