"""Which headers cross the gateway, and the ones it adds on the way."""

import httpx
from fastapi import Request

Headers = list[tuple[bytes, bytes]]

# RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"}
)
# httpx sets Host for the upstream, and the gateway writes the forwarding headers and the
# request id itself: a client's own are never passed on.
_REQUEST_ONLY = frozenset(
    {
        b"host",
        b"x-request-id",
        b"forwarded",
        b"x-real-ip",
        b"x-client-ip",
        b"true-client-ip",
        b"x-cluster-client-ip",
        b"x-rewrite-url",
    }
)
# Whole families: X-Forwarded-For/-Proto/-Host/-Port/-Prefix, X-Original-URL and the like,
# and anything that looks like an identity a service might be tempted to believe
# (X-Account-Id, X-User-Id, X-Auth-*, ...). Services read identity only from the token.
_REQUEST_ONLY_PREFIXES = (
    b"x-forwarded-",
    b"x-original-",
    b"x-account",
    b"x-user",
    b"x-auth",
    b"x-principal",
    b"x-role",
    b"x-scope",
    b"x-internal",
    b"x-smsgw",
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


def _keep(raw: Headers, extra: frozenset[bytes], prefixes: tuple[bytes, ...] = ()) -> Headers:
    dropped = _dropped(raw) | extra
    return [
        (name.lower(), value)
        for name, value in raw
        if name.lower() not in dropped and not name.lower().startswith((b"proxy-", *prefixes))
    ]


def request_headers(request: Request, bearer: str | None = None) -> Headers:
    # Authorization goes up unchanged: every service verifies the token again itself, and
    # the gateway adds no identity headers a service could be tempted to trust. A request
    # made with an API key goes up with `bearer` instead, the access token auth minted.
    raw = request.headers.raw
    headers = _keep(raw, _REQUEST_ONLY, _REQUEST_ONLY_PREFIXES)
    if bearer is not None:
        headers = [(name, value) for name, value in headers if name != b"authorization"]
        headers.append((b"authorization", f"Bearer {bearer}".encode()))
    if any(name.lower() == b"transfer-encoding" for name, _ in raw):
        # Chunked on the way up too; a Content-Length beside it would contradict that.
        headers = [(name, value) for name, value in headers if name != b"content-length"]
    # The client as gateway.forwarding established it: the direct peer, or the address a
    # trusted proxy reported. One entry, so a service can take it as it is.
    client = request.client.host if request.client else ""
    if client:
        headers.append((b"x-forwarded-for", client.encode()))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode()))
    headers.append((b"x-request-id", str(request.state.request_id).encode()))
    return headers


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
