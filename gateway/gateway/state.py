"""What the gateway holds for its lifetime, shared by every request."""

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from fastapi import Request

from gateway.account_states import AccountStates
from gateway.api_keys import ApiKeys
from gateway.config import GatewaySettings
from gateway.openapi import OpenApiCache
from shared.security import JwksCache, TokenVerifier
from shared.tracing import instrument_client

# Below uvicorn's default keep-alive (5 s), so the gateway drops an idle connection before
# the service does and never sends a request down a socket the other end is closing.
_KEEPALIVE_EXPIRY_SECONDS = 4.0
# Below the readiness probe's 2 s timeout: /readyz may wait for one JWKS fetch.
_JWKS_FETCH_TIMEOUT_SECONDS = 1.5
# httpcore's pool does work proportional to its size on every request: one client of 64
# connections served 68 requests/s here where 8 clients of 8 served 680. So the gateway
# spreads requests over several small pools.
_CONNECTIONS_PER_CLIENT = 8


class UpstreamClients:
    """Small httpx pools taken in turn; each request uses one for its whole exchange."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self._clients = clients
        self._turn = itertools.cycle(clients)

    def next(self) -> httpx.AsyncClient:
        return next(self._turn)


@dataclass(frozen=True)
class Gateway:
    settings: GatewaySettings
    clients: UpstreamClients
    verifier: TokenVerifier
    upstreams: dict[str, str]
    openapi: OpenApiCache
    # None when the gateway has no broker to learn keys from: then it accepts none.
    api_keys: ApiKeys | None = None
    # None without a broker too: then every account counts as active here.
    account_states: AccountStates | None = None


def current(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


@asynccontextmanager
async def open_gateway(settings: GatewaySettings) -> AsyncIterator[Gateway]:
    keys = JwksCache(
        settings.jwks_url,
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
        refresh_seconds=settings.jwks_refresh_seconds,
        max_age_seconds=settings.jwks_max_age_seconds,
        fetch_timeout_seconds=_JWKS_FETCH_TIMEOUT_SECONDS,
    )
    verifier = TokenVerifier(keys, settings.jwt_issuer, settings.jwt_audience)
    shards = max(1, -(-settings.max_connections // _CONNECTIONS_PER_CLIENT))
    per_client = max(1, settings.max_connections // shards)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(_upstream_client(settings, per_client))
            for _ in range(shards)
        ]
        upstream_clients = UpstreamClients(clients)
        api_keys, account_states = None, None
        if settings.kafka_bootstrap_servers:
            api_keys = ApiKeys(
                settings.kafka_bootstrap_servers,
                settings.auth_url,
                upstream_clients.next,
                settings.api_keys_max_lag_seconds,
            )
            feed = asyncio.create_task(api_keys.feed.run(), name="api-key-projection")
            stack.push_async_callback(_stop, feed, api_keys)
            account_states = AccountStates(
                settings.kafka_bootstrap_servers, settings.api_keys_max_lag_seconds
            )
            states = asyncio.create_task(account_states.feed.run(), name="account-states")
            stack.push_async_callback(_stop, states)
        yield Gateway(
            settings,
            upstream_clients,
            verifier,
            settings.upstreams(),
            OpenApiCache(),
            api_keys,
            account_states,
        )


async def _stop(feed: asyncio.Task[None], api_keys: ApiKeys | None = None) -> None:
    feed.cancel()
    await asyncio.gather(feed, return_exceptions=True)
    if api_keys is not None:
        await api_keys.tokens.close()


def _upstream_client(settings: GatewaySettings, max_connections: int) -> httpx.AsyncClient:
    """A pooled client for upstream calls; the process keeps a few (see UpstreamClients)."""
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds,
            connect=settings.connect_timeout_seconds,
            # Waiting long for a free pooled connection only hides overload: fail fast (503).
            pool=settings.connect_timeout_seconds,
        ),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=_KEEPALIVE_EXPIRY_SECONDS,
        ),
        # A shared cookie jar would hand one client's cookies to the next client's requests.
        cookies=CookieJar(policy=_NoCookies()),
        # Upstreams are in-cluster: an HTTP(S)_PROXY meant for egress must not apply.
        trust_env=False,
    )
    # httpx's default Accept-Encoding/User-Agent/Accept would replace what the client sent
    # (or didn't): a gzip body nobody asked for must not reach a client.
    client.headers.clear()
    # Client spans, and the traceparent that makes each service's span their child.
    instrument_client(client)
    return client


class _NoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: object, request: object) -> bool:
        return False

    def return_ok(self, cookie: object, request: object) -> bool:
        return False
