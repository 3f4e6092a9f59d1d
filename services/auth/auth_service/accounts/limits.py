"""Per-client-IP limits on login and register, checked before any password is hashed."""

import ipaddress
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from auth_service.accounts.passwords import Passwords
from auth_service.config import AuthSettings, IpNetwork
from shared.errors import ProblemError
from shared.ratelimit import RateLimited, RateLimiter, Rule, rate_limit_headers


def client_ip(request: Request, trusted: tuple[IpNetwork, ...]) -> str:
    """The client's address as the gateway saw it: the rightmost X-Forwarded-For entry,
    which the gateway always writes itself, when the request came through a trusted proxy;
    otherwise the peer's own address, so that a client reaching auth directly cannot
    choose its key by sending the header.
    """
    peer = request.client.host if request.client else ""
    forwarded = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    forwarded = [hop for hop in forwarded if _parse(hop) is not None]
    if forwarded and (_within(peer, trusted) or _taken_from_header(peer, forwarded)):
        return forwarded[-1]
    return peer


def _taken_from_header(peer: str, forwarded: list[str]) -> bool:
    """Whether uvicorn already replaced the peer with a forwarded entry.

    With proxy headers on (its default) and the real peer on 127.0.0.1, uvicorn makes the
    rightmost entry that is not 127.0.0.1 the peer. Where clients are on 127.0.0.1 too
    (development), that entry was written by the client and the gateway's own entry, to
    its right, is the one to use.
    """
    if peer not in forwarded:
        return False
    after = forwarded[len(forwarded) - forwarded[::-1].index(peer) :]
    return bool(after) and all(_is_loopback(hop) for hop in after)


def _is_loopback(ip: str) -> bool:
    address = _parse(ip)
    return address is not None and address.is_loopback


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
