"""Streaming reverse proxy: the body goes to the service as it arrives and the answer comes
back as the service sends it, so a large upload or download never sits in gateway memory."""

import logging
from collections.abc import AsyncIterator
from uuid import UUID

import httpx
from fastapi import Request, Response
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse

from gateway.activity import note_principal
from gateway.api_keys import is_api_key
from gateway.headers import request_headers, response_headers
from gateway.rate_limits import current_limits
from gateway.routes import is_public, resolve
from gateway.state import current
from shared.errors import ProblemError, Unauthorized
from shared.roles import API_KEY_ROLE
from shared.security import Principal, bearer_token

log = logging.getLogger(__name__)


async def proxy_endpoint(request: Request) -> Response:
    """Catch-all: route by prefix, check the token and the account's rate limit before any
    byte reaches a service."""
    path = request.url.path
    service = resolve(path)
    if service is None:
        raise ProblemError(404, "not_found", "Not found", f"No API at {path}")
    gateway = current(request)
    limits = current_limits(request)
    principal, upstream_token = None, None
    if not is_public(request.method, path):
        try:
            principal, upstream_token = await _authenticate(request)
        except ProblemError:
            await limits.count(request, None)  # no account: the client's address pays
            raise
        note_principal(request, principal)
    await limits.count(request, principal)
    return await forward(
        request, service, gateway.upstreams[service], gateway.clients.next(), upstream_token
    )


async def _authenticate(request: Request) -> tuple[Principal, str | None]:
    """Who sends the request, and the token to hand the service instead of an API key;
    refused (403) when the account's state forbids the request."""
    gateway, method, path = current(request), request.method, request.url.path
    token = bearer_token(request)
    if not is_api_key(token):
        principal = await gateway.verifier.verify(token)
        _check_account_state(request, principal.account_id)
        return principal, None
    if gateway.api_keys is None:
        raise Unauthorized("API keys are not accepted here")
    key = gateway.api_keys.check(token, method, path)
    # Before a token is minted for the key: a blocked account's key costs auth nothing.
    _check_account_state(request, key.account_id)
    # The services accept auth's tokens only: the key travels no further.
    upstream_token = await gateway.api_keys.tokens.token_for(key, token)
    principal = Principal(
        key.account_id, f"api_key:{key.key_id}", API_KEY_ROLE, scopes=frozenset(key.scopes)
    )
    return principal, upstream_token


def _check_account_state(request: Request, account_id: UUID) -> None:
    states = current(request).account_states
    if states is not None:
        states.check(account_id, request.method, request.url.path)


async def forward(
    request: Request,
    service: str,
    base_url: str,
    client: httpx.AsyncClient,
    bearer: str | None = None,
) -> Response:
    base = httpx.URL(base_url)
    query = request.scope.get("query_string", b"")
    # raw_path keeps the client's percent-encoding (e.g. %2F inside an id) byte for byte.
    path = request.scope.get("raw_path") or request.url.path.encode()
    raw_path = base.raw_path.rstrip(b"/") + path
    url = base.copy_with(raw_path=raw_path + (b"?" + query if query else b""))
    upstream_request = client.build_request(
        request.method,
        url,
        headers=request_headers(request, bearer),
        content=request.stream() if _has_body(request) else None,
    )
    try:
        upstream = await client.send(upstream_request, stream=True)
    except ClientDisconnect:
        # The client went away mid-upload; the upstream saw the upload break off too.
        # 499 (nginx's "client closed request") only marks the access log: nobody reads it.
        return Response(status_code=499)
    except httpx.TransportError as exc:
        # The path only: query strings can carry personal data (phone numbers).
        log.warning("%s %s -> %s failed: %r", request.method, request.url.path, service, exc)
        raise _problem_for(exc, service) from exc
    except AttributeError as exc:
        # httpcore, reusing a pooled connection whose upstream was just killed, can fail in
        # anyio's socket attributes instead of raising a transport error (the fault suite's
        # `kill -9 dispatch` hit it): the upstream is gone, which is a 502, not our 500.
        log.warning("%s %s -> %s failed: %r", request.method, request.url.path, service, exc)
        raise _bad_gateway(service) from exc
    response = StreamingResponse(
        _relay(upstream),
        status_code=upstream.status_code,
        # Closes the upstream response (and frees its pooled connection) even when the
        # client went away mid-stream; _relay covers an upstream failing mid-stream.
        background=BackgroundTask(upstream.aclose),
    )
    response.raw_headers = response_headers(upstream, base_url, str(request.base_url))
    return response


async def _relay(upstream: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():  # raw: Content-Encoding passes through
            yield chunk
    finally:
        await upstream.aclose()


def _has_body(request: Request) -> bool:
    # Without this, a GET would go up as an empty chunked body, which some servers refuse.
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def _problem_for(exc: httpx.TransportError, service: str) -> ProblemError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ProblemError(
            503,
            "service_unavailable",
            "Service unavailable",
            f"The {service} service is unavailable; try again shortly",
        )
    if isinstance(exc, httpx.TimeoutException):
        return ProblemError(
            504,
            "gateway_timeout",
            "Gateway timeout",
            f"The {service} service did not answer in time",
        )
    return _bad_gateway(service)


def _bad_gateway(service: str) -> ProblemError:
    return ProblemError(
        502, "bad_gateway", "Bad gateway", f"The {service} service sent an invalid response"
    )
