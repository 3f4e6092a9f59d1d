"""Whether a webhook URL may be called, and which address to call it at.

An integrator's URL is a request our network makes on their behalf, so it must never reach
what only our network can: loopback, private ranges, link-local (cloud metadata), CGNAT,
multicast. The name is resolved here and the connection pinned to the address checked
(sender.py), so a DNS answer that changes between check and connect (rebinding) can't
redirect it. Spellings the resolver reads as IPv4 but we would not recognise
(`0x7f000001`, `2130706433`, `017700000001`, `127.1`) are refused as such.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# IPv6 forms that carry an IPv4 address inside (compatible, NAT64, 6to4): whatever the
# IPv4 address, reaching it this way would skip the IPv4 checks.
_EMBEDDING_IPV4 = (
    ipaddress.ip_network("::/96"),
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("2002::/16"),
)
_LOOPBACK_ALLOWED = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
RESOLVE_TIMEOUT_SECONDS = 5.0


class ForbiddenUrl(Exception):
    """The URL may not be called; the message says why, and is shown to the integrator."""


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


class UrlGuard:
    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        self.allow_loopback = allow_loopback
        self._resolve = resolver

    def check_syntax(self, url: str) -> tuple[str, str, int, str]:
        """Scheme, host, port and path of an acceptable URL, before any lookup."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise ForbiddenUrl("The URL is malformed") from exc
        schemes = ("https", "http") if self.allow_loopback else ("https",)
        if parts.scheme not in schemes:
            raise ForbiddenUrl("Only https:// URLs are allowed")
        if parts.username is not None or parts.password is not None:
            raise ForbiddenUrl("Credentials in the URL are not allowed; use the signature")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise ForbiddenUrl("The URL names no host")
        if _odd_ipv4_spelling(host):
            raise ForbiddenUrl("IPv4 addresses must be written as four decimal numbers")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path

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

    def check_address(self, address: IpAddress) -> None:
        reason = self.refusal(address)
        if reason:
            raise ForbiddenUrl(f"The URL leads to {address}, {reason}")

    def refusal(self, address: IpAddress) -> str | None:
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None or (
                any(address in net for net in _EMBEDDING_IPV4) and int(address) > 1
            ):
                return "an IPv6 form of an IPv4 address"
        if self.allow_loopback and any(address in net for net in _LOOPBACK_ALLOWED):
            return None
        checks = (
            (address in _METADATA, "a cloud metadata address"),
            (address.is_loopback, "a loopback address"),
            (address.is_unspecified, "the unspecified address"),
            (address.is_link_local, "a link-local address"),
            (address.version == 4 and address in _CGNAT, "a carrier-grade NAT address"),
            (address.is_multicast, "a multicast address"),
            (address.is_private, "a private address"),
            (address.is_reserved, "a reserved address"),
            (not address.is_global, "not a public address"),
        )
        return next((reason for refused, reason in checks if refused), None)


def _odd_ipv4_spelling(host: str) -> bool:
    """True for what inet_aton (and so most resolvers) reads as an IPv4 address but is not
    the dotted-decimal form: hex, octal, a single number, fewer than four parts."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return True
    return False
