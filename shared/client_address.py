"""The client's address as a service behind the gateway sees it, for per-IP limits and
audit records. Moved from auth so that every service derives it the same way."""

import ipaddress

from starlette.requests import Request

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[IpNetwork, ...]:
    """CIDRs, comma-separated; raises ValueError on one that is not."""
    return tuple(
        ipaddress.ip_network(network.strip(), strict=False)
        for network in value.split(",")
        if network.strip()
    )


def client_ip(request: Request, trusted: tuple[IpNetwork, ...]) -> str:
    """The client's address as the gateway saw it: the rightmost X-Forwarded-For entry,
    which the gateway always writes itself, when the request came through a trusted proxy;
    otherwise the peer's own address, so that a client reaching the service directly
    cannot choose its address by sending the header.
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
