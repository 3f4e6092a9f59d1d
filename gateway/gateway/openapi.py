"""The services' OpenAPI documents, fetched on demand and kept for a short while."""

import asyncio
import logging
import time
from typing import Any

import httpx

from gateway.openapi_merge import Json, merge
from gateway.routes import public_services

log = logging.getLogger(__name__)

_FETCH_TIMEOUT_SECONDS = 3.0


class OpenApiCache:
    """Per service: a fresh document for `ttl` seconds; a service that is down is asked
    again after `retry_seconds`, and meanwhile its last good document (if any) is used."""

    def __init__(self, ttl_seconds: float = 60.0, retry_seconds: float = 5.0) -> None:
        self._ttl = ttl_seconds
        self._retry = retry_seconds
        self._documents: dict[str, Json] = {}
        self._next_fetch: dict[str, float] = {}
        # One refresh at a time: a burst of /openapi.json requests costs one fetch per service.
        self._lock = asyncio.Lock()

    async def document(self, client: httpx.AsyncClient, upstreams: dict[str, str]) -> Json:
        services = public_services()
        async with self._lock:
            now = time.monotonic()
            due = [s for s in services if self._next_fetch.get(s, 0.0) <= now]
            fetched = await asyncio.gather(*(_fetch(client, s, upstreams[s]) for s in due))
            for service, document in zip(due, fetched, strict=True):
                if document is not None:
                    self._documents[service] = document
                self._next_fetch[service] = now + (self._retry if document is None else self._ttl)
            available = {s: self._documents[s] for s in services if s in self._documents}
        return merge(available)


async def _fetch(client: httpx.AsyncClient, service: str, base_url: str) -> Json | None:
    try:
        response = await client.get(f"{base_url}/openapi.json", timeout=_FETCH_TIMEOUT_SECONDS)
        response.raise_for_status()
        document: Any = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("OpenAPI of %s unavailable, skipped for now: %r", service, exc)
        return None
    if not isinstance(document, dict):
        log.warning("OpenAPI of %s is not a JSON object, skipped", service)
        return None
    return document
