"""Whether a URL we are asked to call may be called, as far as can be told without the network.

An integrator's URL is a request our network makes on their behalf, so it must never reach
what only our network can: loopback, private ranges, link-local (cloud metadata), CGNAT,
multicast. These checks need no DNS: the scheme, credentials, odd IPv4 spellings the resolver
would read as an address (`0x7f000001`, `2130706433`, `017700000001`, `127.1`), and a literal
IP host in a forbidden range. Any service taking a URL (dlr's webhook endpoints, dispatch's
per-message `callback_url`) refuses a bad one up front with these; dlr then resolves the name
and pins the connection to the checked address at delivery (dlr_service/webhooks/ssrf.py).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

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


class ForbiddenUrl(Exception):
    """The URL may not be called; the message says why, and is shown to the integrator."""


class UrlRules:
    """The checks that need no lookup. `allow_loopback` (WEBHOOKS_ALLOW_LOOPBACK, for make dev
    and the tests) also lets plain http:// through, and loopback addresses."""

    def __init__(self, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback

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

    def check_offline(self, url: str) -> None:
        """ForbiddenUrl unless the URL passes every check short of resolving its name: a
        literal IP host is checked here, a name is left to the caller that resolves it."""
        _, host, _, _ = self.check_syntax(url)
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return
        self.check_address(address)

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
