"""Whether a webhook URL may be called, and which address to call it at.

An integrator's URL is a request our network makes on their behalf, so it must never reach
what only our network can: loopback, private ranges, link-local (cloud metadata), CGNAT,
multicast. The name is resolved here and the connection pinned to the address checked
(sender.py), so a DNS answer that changes between check and connect (rebinding) can't
redirect it. The checks that need no network (scheme, odd IPv4 spellings,
forbidden ranges) live in shared/urls.py, which dispatch uses too for `callback_url`.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.urls import ForbiddenUrl, IpAddress, UrlRules

Resolver = Callable[[str, int], Awaitable[list[str]]]
RESOLVE_TIMEOUT_SECONDS = 5.0


class Unresolvable(ForbiddenUrl):
    """The name did not resolve: refused at registration, but at delivery it may be a passing
    DNS failure, so that is retried like any failed attempt."""


@dataclass(frozen=True)
class Target:
    """A checked URL: connect to `address`, and speak to `host` (Host header and SNI)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IpAddress
    path: str  # path and query, as sent in the request line

    @property
    def pinned_url(self) -> str:
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class UrlGuard(UrlRules):
    """The offline rules (shared/urls.py), then the name resolved and every address checked."""

    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        super().__init__(allow_loopback)
        self._resolve = resolver

    async def check(self, url: str) -> Target:
        """The target to connect to, or ForbiddenUrl. Every address the name resolves to
        must be allowed, not only the first: the client could otherwise be steered to any."""
        scheme, host, port, path = self.check_syntax(url)
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = await self._lookup(host, port)
        for address in addresses:
            self.check_address(address)
        return Target(url, scheme, host, port, addresses[0], path)

    async def _lookup(self, host: str, port: int) -> list[IpAddress]:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
                found = await self._resolve(host, port)
        except (OSError, TimeoutError) as exc:
            raise Unresolvable(f"The host {host} does not resolve") from exc
        # Scoped IPv6 (fe80::1%eth0) is link-local anyway; the scope would only confuse parsing.
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise Unresolvable(f"The host {host} does not resolve")
        return addresses
