"""Who the client is. The direct peer, unless the peer is one of our own proxies (the
ingress controller, GATEWAY_TRUSTED_PROXIES): then the address that proxy reports in
X-Forwarded-For, and the scheme it reports in X-Forwarded-Proto.

The gateway is launched with uvicorn's --no-proxy-headers, so this is the only place that
believes a forwarding header; what a client writes there itself is thrown away.
"""

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv6Address, ip_address

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config import Network

Address = IPv4Address | IPv6Address


class ClientAddressMiddleware:
    """Sets scope["client"] and scope["scheme"] to the client's, for everything inside
    (the X-Forwarded-For the services get, logs, per-IP limits)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted:
            peer = scope.get("client")
            address = _address(peer[0]) if peer else None
            if address is not None and self._trusts(address):
                self._take_forwarded(scope, address)
        await self.app(scope, receive, send)

    def _trusts(self, address: Address) -> bool:
        return any(address in network for network in self.trusted)

    def _take_forwarded(self, scope: Scope, peer: Address) -> None:
        chain: list[str] = []
        proto = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                chain += [hop.strip() for hop in value.decode("latin-1").split(",")]
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        # From the right, each trusted hop vouches for the one before it; the first hop
        # that is not ours is the client. Left of it, anything may be forged.
        client = peer
        for hop in reversed(chain):
            address = _address(hop)
            if address is None:
                break  # garbage: stay with the last address a trusted hop gave us
            client = address
            if not self._trusts(address):
                break
        scope["client"] = (str(client), 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto


def _address(value: str) -> Address | None:
    """An IP address from "1.2.3.4", "1.2.3.4:80", "::1" or "[::1]:80"."""
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ip_address(value)
    except ValueError:
        return None
