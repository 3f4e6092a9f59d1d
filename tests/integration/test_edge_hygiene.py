"""What the gateway does at the edge besides routing, over real sockets: slow bodies get
408, client-sent forwarding and identity headers never reach a service, every answer
carries the security headers, browsers on the web app's origin get CORS, and a signing
key auth retires stops opening the API."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from pydantic import ValidationError

from gateway.config import GatewaySettings
from gateway.main import create_app
from tests.integration.test_edge_gateway import raw_exchange
from tests.integration.test_gateway import (
    assert_problem,
    bounded,
    calls_to,
    client,
    echo_app,
    gateway_settings,
)
from tests.support.apps import AuthClient, served_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

BODY_TIMEOUT = 0.5
WEB_APP = "https://app.smsgw.example"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}


@pytest.fixture(scope="module")
async def echo() -> AsyncIterator[tuple[FastAPI, str]]:
    app = echo_app()
    async with bounded(served_app(app)) as url:
        yield app, url


async def serve_gateway(settings: GatewaySettings) -> AsyncIterator[str]:
    # As in production: uvicorn leaves X-Forwarded-For to the gateway (--no-proxy-headers).
    async with bounded(served_app(create_app(settings), proxy_headers=False)) as url:
        yield url


@pytest.fixture(scope="module")
async def gateway(auth_service: AuthClient, echo: tuple[FastAPI, str]) -> AsyncIterator[str]:
    """Default settings but a short body timeout."""
    settings = gateway_settings(auth_service.base_url, echo[1], body_timeout_seconds=BODY_TIMEOUT)
    async for url in serve_gateway(settings):
        yield url


@pytest.fixture(scope="module")
async def edge_gateway(auth_service: AuthClient, echo: tuple[FastAPI, str]) -> AsyncIterator[str]:
    """Behind a proxy on loopback, served over HTTPS as far as clients know, for a web app."""
    settings = gateway_settings(
        auth_service.base_url,
        echo[1],
        trusted_proxies="127.0.0.0/8",
        cors_origins=f"{WEB_APP}/",
        hsts_seconds=31536000,
    )
    async for url in serve_gateway(settings):
        yield url


@pytest.fixture(scope="module")
async def token(auth_service: AuthClient) -> str:
    _, bearer = await auth_service.new_account()
    return bearer


def post_head(path: str, token: str, *framing: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: gateway", f"Authorization: Bearer {token}", *framing]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# --- slow bodies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("framing", "first_part"),
    [
        pytest.param("Content-Length: 100", b'{"to": "+4', id="declared-length"),
        pytest.param("Transfer-Encoding: chunked", b'a\r\n{"to": "+4\r\n', id="chunked"),
    ],
)
async def test_a_body_that_does_not_arrive_in_time_is_408_and_goes_no_further(
    gateway: str, echo: tuple[FastAPI, str], token: str, framing: str, first_part: bytes
) -> None:
    path = f"/v1/messages/slow-{uuid.uuid4().hex}"
    # A tenth of the body, then nothing: the client stalls (or trickles) forever.
    status, headers, body = await raw_exchange(
        gateway, post_head(path, token, framing), [first_part]
    )

    assert status == 408, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert headers["x-request-id"]
    problem = json.loads(body)
    assert problem["code"] == "request_timeout"
    assert problem["status"] == 408
    assert calls_to(echo, path) == []  # the service saw only a broken-off upload


async def test_a_slow_answer_is_not_a_slow_body(
    gateway: str, echo: tuple[FastAPI, str], token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with client(gateway) as http:
        # The service takes longer than the body timeout, after the body has arrived.
        posted = await http.post(
            f"/v1/messages/slow-answer?sleep={BODY_TIMEOUT * 3}", json={"to": "x"}, headers=headers
        )
        fetched = await http.get(f"/v1/messages/slow-get?sleep={BODY_TIMEOUT * 3}", headers=headers)

    assert posted.status_code == 200, posted.text
    assert posted.json()["body"] == '{"to":"x"}'
    assert fetched.status_code == 200, fetched.text


async def test_the_body_timeout_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GatewaySettings().body_timeout_seconds == 30
    monkeypatch.setenv("GATEWAY_BODY_TIMEOUT_SECONDS", "12.5")
    assert GatewaySettings().body_timeout_seconds == 12.5


# --- forwarding and identity headers -------------------------------------------------

SPOOFED = {
    "X-Account-Id": str(uuid.uuid4()),
    "X-User-Id": "admin",
    "X-Auth-Role": "ops",
    "X-Forwarded-For": "198.51.100.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "Forwarded": "for=198.51.100.7;proto=https",
    "X-Real-IP": "198.51.100.7",
    "X-Original-URL": "/internal/things",
}


async def test_client_sent_identity_and_forwarding_headers_never_reach_a_service(
    gateway: str, token: str
) -> None:
    async with client(gateway) as http:
        response = await http.get(
            "/v1/contacts", headers={"Authorization": f"Bearer {token}", **SPOOFED}
        )

    assert response.status_code == 200, response.text
    seen = response.json()["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"  # the peer, whatever the client said
    assert seen["x-forwarded-proto"] == "http"
    for name in SPOOFED:
        if name.lower() not in ("x-forwarded-for", "x-forwarded-proto"):
            assert name.lower() not in seen, name
    assert seen["host"] != "evil.example"


@pytest.mark.parametrize(
    ("forwarded_for", "client_address"),
    [
        # The proxy appended the client it saw; what the client claimed before it is not ours.
        pytest.param("203.0.113.9, 198.51.100.7", "198.51.100.7", id="client-behind-proxy"),
        # Two of our own proxies in a row: each trusted hop vouches for the one before.
        pytest.param("198.51.100.7, 127.0.0.9", "198.51.100.7", id="two-trusted-hops"),
        pytest.param("[2001:db8::7]:4711", "2001:db8::7", id="ipv6-with-port"),
        # Garbage where an address belongs: stay with the last address a proxy vouched for.
        pytest.param("not-an-address", "127.0.0.1", id="garbage"),
    ],
)
async def test_a_trusted_proxy_names_the_client(
    edge_gateway: str, token: str, forwarded_for: str, client_address: str
) -> None:
    async with client(edge_gateway) as http:
        response = await http.get(
            "/v1/contacts",
            headers={
                "Authorization": f"Bearer {token}",
                "X-Forwarded-For": forwarded_for,
                "X-Forwarded-Proto": "https",
                "X-Real-IP": "203.0.113.9",
            },
        )

    assert response.status_code == 200, response.text
    seen = response.json()["headers"]
    assert seen["x-forwarded-for"] == client_address
    assert seen["x-forwarded-proto"] == "https"
    assert "x-real-ip" not in seen


async def test_trusted_proxies_and_origins_are_comma_separated_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = GatewaySettings()
    assert (defaults.trusted_proxies, defaults.cors_origins, defaults.hsts_seconds) == ([], [], 0)

    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,fd00::/8")
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", "https://app.example, http://localhost:5173/")
    settings = GatewaySettings()

    assert [str(network) for network in settings.trusted_proxies] == [
        "10.0.0.0/8",
        "192.168.1.7/32",
        "fd00::/8",
    ]
    assert settings.cors_origins == ["https://app.example", "http://localhost:5173"]
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "the ingress")
    with pytest.raises(ValidationError):
        GatewaySettings()


# --- security headers and CORS -------------------------------------------------------


async def test_every_answer_carries_the_security_headers(gateway: str, token: str) -> None:
    async with client(gateway) as http:
        answers = {
            "proxied": await http.get("/v1/contacts", headers={"Authorization": f"Bearer {token}"}),
            "401": await http.get("/v1/contacts"),
            "404": await http.get("/v1/nothing"),
            "healthz": await http.get("/healthz"),
            "docs": await http.get("/docs"),
        }

    for name, response in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        # Not over HTTPS as far as this gateway's settings know: no HSTS.
        assert "strict-transport-security" not in response.headers, name


async def test_hsts_only_where_the_edge_is_https(edge_gateway: str) -> None:
    async with client(edge_gateway) as http:
        response = await http.get("/healthz")

    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_web_app_origin_may_call_the_api_from_a_browser(edge_gateway: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }
    async with client(edge_gateway) as http:
        allowed = await http.options("/v1/messages", headers={"Origin": WEB_APP, **preflight})
        foreign = await http.options(
            "/v1/messages", headers={"Origin": "https://evil.example", **preflight}
        )
        # A real request without a token: the browser must be able to read the 401 too.
        refused = await http.post("/v1/messages", json={}, headers={"Origin": WEB_APP})

    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == WEB_APP
    assert "POST" in allowed.headers["access-control-allow-methods"]
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        name.strip() for name in allowed_headers.split(",")
    }
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in foreign.headers
    assert_problem(refused, 401, "unauthorized")
    assert refused.headers["access-control-allow-origin"] == WEB_APP
    assert "x-request-id" in refused.headers["access-control-expose-headers"].lower()


async def test_without_configured_origins_there_is_no_cors(gateway: str) -> None:
    async with client(gateway) as http:
        preflight = await http.options(
            "/v1/messages",
            headers={"Origin": WEB_APP, "Access-Control-Request-Method": "POST"},
        )
        simple = await http.get("/healthz", headers={"Origin": WEB_APP})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


# --- a retired signing key -----------------------------------------------------------


class KeyRing:
    """auth's published keys, editable by the test."""

    def __init__(self) -> None:
        self.private: dict[str, rsa.RSAPrivateKey] = {}
        self.published: dict[str, dict[str, Any]] = {}

    def add(self, kid: str) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private[kid] = key
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        self.published[kid] = {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}

    def token(self, kid: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": "smsgw-auth",
            "aud": "smsgw",
            "sub": str(uuid.uuid4()),
            "account_id": str(uuid.uuid4()),
            "role": "owner",
            "iat": now,
            "exp": now + timedelta(minutes=15),
        }
        return jwt.encode(claims, self.private[kid], "RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
async def keys_and_gateway(
    echo: tuple[FastAPI, str],
) -> AsyncIterator[tuple[KeyRing, str]]:
    ring = KeyRing()
    auth = FastAPI()

    @auth.get("/.well-known/jwks.json")
    async def jwks() -> dict[str, Any]:
        return {"keys": list(ring.published.values())}

    async with bounded(served_app(auth)) as auth_url:
        settings = gateway_settings(
            auth_url, echo[1], jwks_refresh_seconds=0.2, jwks_min_refresh_seconds=0.1
        )
        async for url in serve_gateway(settings):
            yield ring, url


async def test_a_key_auth_retires_stops_opening_the_api(
    keys_and_gateway: tuple[KeyRing, str],
) -> None:
    ring, gateway_url = keys_and_gateway
    ring.add("previous")
    ring.add("current")
    old, new = ring.token("previous"), ring.token("current")

    async def status(bearer: str) -> int:
        async with client(gateway_url) as http:
            response = await http.get("/v1/contacts", headers={"Authorization": f"Bearer {bearer}"})
        return response.status_code

    assert await status(old) == 200
    assert await status(new) == 200

    del ring.published["previous"]

    async with asyncio.timeout(10):  # refreshed every 0.2 s here; 5 minutes by default
        while (retired := await status(old)) == 200:
            await asyncio.sleep(0.05)
    assert retired == 401
    assert await status(new) == 200
