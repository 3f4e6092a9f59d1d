"""One signed POST to one checked target, bounded in time and in what it reads back."""

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook

from dlr_service.webhooks.ssrf import Target

MAX_RESPONSE_BYTES = 1024 * 1024  # read no more of any answer: it is only ever logged
KEPT_RESPONSE_BYTES = 1024


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None

    @property
    def ok(self) -> bool:
        # A 2xx whose body then timed out is no success: the receiver may not have finished.
        return self.error is None


def signature_header(secrets: list[str], message_id: str, at: datetime, body: str) -> str:
    """Standard Webhooks allows several signatures, space-separated: one per live secret."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)


def new_client(verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    # No redirects (a 3xx could point anywhere, unchecked), no proxies from the environment,
    # and no kept-alive connections: a pooled connection is keyed by the pinned address, and
    # must not be reused for another host name that resolves there.
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        verify=verify,
    )


async def post(
    client: httpx.AsyncClient,
    target: Target,
    headers: dict[str, str],
    body: str,
    timeout: float,
) -> Outcome:
    """POST `body` to the pinned address with the name in Host and SNI; never raises for
    anything the receiver or the network does."""
    started = time.monotonic()
    request = client.build_request(
        "POST",
        target.pinned_url,
        content=body.encode(),
        headers={**headers, "host": target.host_header, "content-type": "application/json"},
        extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
        timeout=timeout,
    )
    status: int | None = None
    try:
        # One deadline for the whole exchange: httpx's own timeouts are per read, which a
        # receiver trickling a byte at a time would never trip.
        async with asyncio.timeout(timeout):
            response = await client.send(request, stream=True)
            try:
                status = response.status_code
                data = await _read_capped(response)
            finally:
                await response.aclose()
    except TimeoutError:
        return _failed(started, status, f"no complete answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return _failed(started, status, f"{type(exc).__name__}: {exc}"[:500])
    except OSError as exc:
        return _failed(started, status, f"{type(exc).__name__}: {exc}"[:500])
    kept = data[:KEPT_RESPONSE_BYTES].decode("utf-8", errors="replace")
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return Outcome(status, _ms(started), error, kept)


async def _read_capped(response: httpx.Response) -> bytes:
    data = bytearray()
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= MAX_RESPONSE_BYTES:
            break  # the rest is dropped with the connection
    return bytes(data[:MAX_RESPONSE_BYTES])


def _failed(started: float, status: int | None, error: str) -> Outcome:
    return Outcome(status, _ms(started), error, None)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
