"""Which headers cross the gateway, and the ones it adds on the way."""

import httpx
from fastapi import Request

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"}
)
# The body is re-framed (chunked) on the way up, and httpx sets Host for the upstream;
# the forwarding headers are rebuilt below rather than trusted from the client.
_REQUEST_ONLY = frozenset(
    {b"host", b"content-length", b"x-forwarded-for", b"x-forwarded-proto", b"x-request-id"}
)

# uvicorn always writes its own Date and Server; the service's would be duplicates.
_RESPONSE_ONLY = frozenset({b"date", b"server"})


def _dropped(raw: Headers) -> set[bytes]:
    """Hop-by-hop names, including any the sender listed in its Connection header."""
    listed = {
        token.strip().lower()
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return set(_HOP_BY_HOP) | listed


def _keep(raw: Headers, extra: frozenset[bytes]) -> Headers:
    dropped = _dropped(raw) | extra
    return [
        (name.lower(), value)
        for name, value in raw
        if name.lower() not in dropped and not name.lower().startswith(b"proxy-")
    ]


def request_headers(request: Request) -> Headers:
    # Authorization goes up unchanged: every service verifies the token again itself, and
    # the gateway adds no identity headers a service could be tempted to trust.
    headers = _keep(request.headers.raw, _REQUEST_ONLY)
    headers.append((b"x-forwarded-for", _forwarded_for(request).encode()))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode()))
    headers.append((b"x-request-id", str(request.state.request_id).encode()))
    return headers


def _forwarded_for(request: Request) -> str:
    """The client's chain with the client as this server sees it as the rightmost entry.

    uvicorn may already have taken the client from this very header (a trusted peer, see
    --forwarded-allow-ips); appending it again would only repeat it. The rightmost entry is
    the one services can trust, so it is always ours, never the client's.
    """
    chain = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    chain = [hop for hop in chain if hop]
    client = request.client.host if request.client else ""
    if client and (not chain or chain[-1] != client):
        chain.append(client)
    return ", ".join(chain)


def response_headers(upstream: httpx.Response, base_url: str, public_base: str) -> Headers:
    headers = _keep(upstream.headers.raw, _RESPONSE_ONLY)
    # A redirect (e.g. FastAPI's trailing-slash one) must not reveal or point at the
    # service's internal address.
    return [
        (name, _public_location(value, base_url.encode(), public_base.rstrip("/").encode()))
        if name == b"location"
        else (name, value)
        for name, value in headers
    ]


def _public_location(location: bytes, internal: bytes, public: bytes) -> bytes:
    rest = location[len(internal) :]
    # The boundary check keeps http://svc:80 from matching http://svc:8000/...
    if location.startswith(internal) and (not rest or rest[:1] in (b"/", b"?", b"#")):
        return public + rest
    return location
