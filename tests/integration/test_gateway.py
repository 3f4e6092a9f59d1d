"""The gateway over real HTTP: the real auth service, a small real echo service standing in
for dispatch, billing and contacts, and the gateway itself, each on its own port."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from jwt.algorithms import RSAAlgorithm
from pydantic import BaseModel

from devstack.ports import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app
from shared.body_limit import DEFAULT_MAX_BODY_BYTES
from tests.support.apps import AuthClient, served_app
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

SERVER_WAIT_SECONDS = 30
DEAD_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens here


class TokenResponse(BaseModel):
    """Deliberately not auth's TokenResponse: the merged document must keep both apart."""

    message_id: str


class Balance(BaseModel):
    amount: str


class InternalSecret(BaseModel):
    value: str


def echo_app() -> FastAPI:
    """Answers every request with what arrived; records each call in app.state.calls."""
    app = FastAPI(title="echo")
    app.state.calls = []

    async def echo(request: Request) -> Response:
        body = await request.body()
        call: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "headers": dict(request.headers),
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body": body.decode(errors="replace") if len(body) < 65536 else None,
        }
        request.app.state.calls.append(call)
        if "sleep" in request.query_params:
            await asyncio.sleep(float(request.query_params["sleep"]))
        if request.query_params.get("raw") == "1":
            return Response(body, media_type="application/octet-stream")
        return JSONResponse(call)

    # Documented routes give the echo a real OpenAPI document; the handler ignores models.
    app.add_api_route("/v1/messages", echo, methods=["POST"], response_model=TokenResponse)
    app.add_api_route("/v1/messages/{message_id}", echo, methods=["GET"])
    app.add_api_route("/v1/billing/balance", echo, methods=["GET"], response_model=Balance)
    app.add_api_route("/v1/contacts", echo, methods=["GET"])
    app.add_api_route("/internal/things", echo, methods=["GET"], response_model=InternalSecret)
    app.add_api_route("/readyz", echo, methods=["GET"])
    app.add_api_route(
        "/{path:path}",
        echo,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    return app


@asynccontextmanager
async def bounded(context: AbstractAsyncContextManager[str]) -> AsyncIterator[str]:
    """served_app with its start and its stop each bounded in time."""
    stack = AsyncExitStack()
    async with asyncio.timeout(SERVER_WAIT_SECONDS):
        url = await stack.enter_async_context(context)
    try:
        yield url
    finally:
        async with asyncio.timeout(SERVER_WAIT_SECONDS):
            await stack.aclose()


@pytest.fixture(scope="module")
async def echo() -> AsyncIterator[tuple[FastAPI, str]]:
    app = echo_app()
    async with bounded(served_app(app)) as url:
        yield app, url


def gateway_settings(auth_url: str, upstream_url: str, **overrides: Any) -> GatewaySettings:
    urls = {f"{name}_url": upstream_url for name in ("contacts", "dispatch", "billing", "dlr")}
    return GatewaySettings(**{"auth_url": auth_url, **urls, **overrides})


@pytest.fixture(scope="module")
async def gateway(auth_service: AuthClient, echo: tuple[FastAPI, str]) -> AsyncIterator[str]:
    """Every upstream alive: real auth, the echo app for all the others."""
    settings = gateway_settings(auth_service.base_url, echo[1])
    async with bounded(served_app(create_app(settings), proxy_headers=False)) as url:
        yield url


@pytest.fixture(scope="module")
async def degraded_gateway(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> AsyncIterator[str]:
    """billing points where nothing listens; dispatch answers, but may be too slow."""
    settings = gateway_settings(
        auth_service.base_url, echo[1], billing_url=DEAD_URL, upstream_timeout_seconds=0.5
    )
    async with bounded(served_app(create_app(settings), proxy_headers=False)) as url:
        yield url


@pytest.fixture(scope="module")
async def authless_gateway(echo: tuple[FastAPI, str]) -> AsyncIterator[str]:
    """auth points where nothing listens; every other service answers."""
    settings = gateway_settings(DEAD_URL, echo[1])
    async with bounded(served_app(create_app(settings), proxy_headers=False)) as url:
        yield url


def client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=10)


def calls_to(echo: tuple[FastAPI, str], path: str) -> list[dict[str, Any]]:
    return [call for call in echo[0].state.calls if call["path"] == path]


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


async def test_register_login_and_jwks_need_no_token(gateway: str) -> None:
    credentials = {"email": f"gw-{uuid.uuid4().hex[:8]}@example.com", "password": "long enough pw"}
    async with client(gateway) as http:
        registered = await http.post(
            "/v1/auth/register", json={**credentials, "company_name": "Gateway Ltd"}
        )
        login = await http.post("/v1/auth/login", json=credentials)
        jwks = await http.get("/.well-known/jwks.json")
        sent = await http.post(
            "/v1/messages",
            json={"to": "+4915112345678"},
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )

    assert registered.status_code == 202, registered.text
    assert login.status_code == 200, login.text
    assert jwks.status_code == 200
    assert jwks.json()["keys"]
    assert sent.status_code == 200  # the token auth just issued opens the private routes


async def test_a_mail_unsubscribe_link_works_through_the_gateway_without_login(
    gateway: str,
) -> None:
    """The link in a marketing mail (R20): public at the gateway, its signed token the key."""
    from auth_service.config import AuthSettings
    from auth_service.notifications.unsubscribe import token_for

    credentials = {"email": f"gw-{uuid.uuid4().hex[:8]}@example.com", "password": "long enough pw"}
    prefs = "/v1/account/notification-preferences"
    async with client(gateway) as http:
        await http.post("/v1/auth/register", json={**credentials, "company_name": "Unsub Ltd"})
        access = (await http.post("/v1/auth/login", json=credentials)).json()["access_token"]
        mine = {"Authorization": f"Bearer {access}"}
        user_id = uuid.UUID(jwt.decode(access, options={"verify_signature": False})["sub"])
        # The session's auth runs with the development secret, as `make dev` does.
        token = token_for(user_id, AuthSettings().unsubscribe_signing_secret)
        assert (await http.get(prefs, headers=mine)).json() == {"marketing": True}

        followed = await http.get("/v1/public/mail-unsubscribe", params={"token": token})
        still = await http.get(prefs, headers=mine)
        pressed = await http.post("/v1/public/mail-unsubscribe", params={"token": token})
        forged = await http.get("/v1/public/mail-unsubscribe", params={"token": token + "x"})
        after = await http.get(prefs, headers=mine)
        anonymous = await http.get(prefs)

    # The link's page asks; its button (a POST, as is RFC 8058's one-click) unsubscribes.
    assert followed.status_code == 200, followed.text
    assert still.json() == {"marketing": True}
    assert pressed.status_code == 200, pressed.text
    assert after.json() == {"marketing": False}
    assert_problem(forged, 422, "invalid_unsubscribe_token")
    assert anonymous.status_code == 401


async def test_payment_webhook_needs_no_token_and_keeps_its_signature(
    gateway: str, echo: tuple[FastAPI, str]
) -> None:
    signature = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1764633600",
        "webhook-signature": "v1,c2lnbmF0dXJl",
    }
    async with client(gateway) as http:
        answer = await http.post(
            "/v1/billing/providers/test/webhook", content=b'{"type":"x"}', headers=signature
        )
        top_up = await http.post("/v1/billing/top-ups", json={"amount": "1.00"})

    assert answer.status_code == 200, answer.text
    [call] = calls_to(echo, "/v1/billing/providers/test/webhook")
    # billing verifies the signature over these very bytes and headers.
    assert call["body"] == '{"type":"x"}'
    assert {name: call["headers"][name] for name in signature} == signature
    assert_problem(top_up, 401, "unauthorized")
    assert calls_to(echo, "/v1/billing/top-ups") == []


async def test_no_token_is_401_and_the_upstream_never_hears_of_it(
    gateway: str, echo: tuple[FastAPI, str]
) -> None:
    path = f"/v1/messages/probe-{uuid.uuid4().hex}"
    async with client(gateway) as http:
        response = await http.post(path, json={"to": "+4915112345678"})

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-request-id"]
    assert calls_to(echo, path) == []


async def test_valid_token_is_proxied_with_everything_intact(
    gateway: str, echo: tuple[FastAPI, str], auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    async with client(gateway) as http:
        response = await http.post(
            "/v1/messages?to=%2B49151&tag=a&tag=b",
            content=b'{"text": "hello"}',
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "X-Custom": "kept",
                "Proxy-Authorization": "Basic c2VjcmV0",
            },
        )

    assert response.status_code == 200, response.text
    seen = response.json()
    assert (seen["method"], seen["path"]) == ("POST", "/v1/messages")
    assert seen["query"] == "to=%2B49151&tag=a&tag=b"
    assert seen["body"] == '{"text": "hello"}'
    headers = seen["headers"]
    assert headers["authorization"] == f"Bearer {token}"
    assert headers["x-custom"] == "kept"
    assert "proxy-authorization" not in headers
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    # The declared length travels on (the body is not re-framed as chunked).
    assert headers["content-length"] == "17"
    assert "transfer-encoding" not in headers
    assert headers["host"] == echo[1].removeprefix("http://")
    assert not [name for name in headers if name.startswith(("x-account", "x-user", "x-auth"))]
    assert headers["x-request-id"] == response.headers["x-request-id"]
    assert len(response.headers["x-request-id"]) >= 16


async def test_request_id_and_encoded_path_pass_through(
    gateway: str, echo: tuple[FastAPI, str], auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    async with client(gateway) as http:
        response = await http.get(
            "/v1/contacts/a%2Fb",
            headers={
                "Authorization": f"Bearer {token}",
                "X-Request-ID": "trace-123",
                "X-Forwarded-For": "198.51.100.7",
            },
        )

    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "trace-123"
    assert response.json()["headers"]["x-request-id"] == "trace-123"
    assert response.json()["raw_path"] == "/v1/contacts/a%2Fb"
    # No trusted proxies configured: the client's own X-Forwarded-For is not believed.
    assert response.json()["headers"]["x-forwarded-for"] == "127.0.0.1"


def _claims(account_id: uuid.UUID, expires_in: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "iss": "smsgw-auth",
        "aud": "smsgw",
        "sub": str(uuid.uuid4()),
        "account_id": str(account_id),
        "role": "owner",
        "iat": now - timedelta(hours=2),
        "exp": now + expires_in,
    }


def _other_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    "make_header",
    [
        pytest.param(
            lambda real_key, kid, account: (
                "Bearer "
                + jwt.encode(
                    _claims(account, timedelta(hours=1)),
                    _other_key(),
                    "RS256",
                    headers={"kid": kid},
                )
            ),
            id="forged-with-another-key",
        ),
        pytest.param(
            lambda real_key, kid, account: (
                "Bearer "
                + jwt.encode(
                    _claims(account, -timedelta(minutes=5)), real_key, "RS256", headers={"kid": kid}
                )
            ),
            id="expired-with-the-real-key",
        ),
        pytest.param(lambda real_key, kid, account: "Bearer not-a-jwt", id="garbage"),
        pytest.param(lambda real_key, kid, account: "Basic dXNlcjpwYXNz", id="not-bearer"),
    ],
)
async def test_bad_tokens_are_401_before_proxying(
    gateway: str,
    echo: tuple[FastAPI, str],
    auth_service: AuthClient,
    make_header: Callable[[bytes, str, uuid.UUID], str],
) -> None:
    account_id, token = await auth_service.new_account()
    kid = jwt.get_unverified_header(token)["kid"]
    header = make_header(auth_service.signing_key_file.read_bytes(), kid, account_id)
    path = f"/v1/messages/probe-{uuid.uuid4().hex}"
    async with client(gateway) as http:
        response = await http.get(path, headers={"Authorization": header})

    assert_problem(response, 401, "unauthorized")
    assert calls_to(echo, path) == []


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_b64(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, default=lambda t: int(t.timestamp())).encode())


def _public_pem(private_pem: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _valid(account: uuid.UUID, **changes: Any) -> dict[str, Any]:
    claims = {**_claims(account, timedelta(hours=1)), **changes}
    return {name: value for name, value in claims.items() if value is not None}


def _alg_none(key: bytes, kid: str, account: uuid.UUID) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": kid}
    return f"{_json_b64(header)}.{_json_b64(_valid(account))}."


def _hs256_with_the_public_key(key: bytes, kid: str, account: uuid.UUID) -> str:
    """The classic confusion: the verifier's RSA public key used as an HMAC secret."""
    signing_input = f"{_json_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}."
    signing_input += _json_b64(_valid(account))
    mac = hmac.new(_public_pem(key), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _signed(key: bytes, kid: str | None, claims: dict[str, Any], alg: str = "RS256") -> str:
    return jwt.encode(claims, key, alg, headers={"kid": kid} if kid else None)


JWT_ATTACKS: dict[str, Callable[[bytes, str, uuid.UUID], str]] = {
    "alg-none": _alg_none,
    "hs256-signed-with-the-public-key": _hs256_with_the_public_key,
    # A real signature by the real key, but not the algorithm auth signs with.
    "rs512-with-the-real-key": lambda key, kid, account: _signed(
        key, kid, _valid(account), "RS512"
    ),
    "foreign-kid": lambda key, kid, account: _signed(_other_key(), "foreign-key", _valid(account)),
    "no-kid": lambda key, kid, account: _signed(key, None, _valid(account)),
    "key-carried-in-the-token": lambda key, kid, account: jwt.encode(
        _valid(account),
        (attacker := _other_key()),
        "RS256",
        headers={
            "kid": kid,
            "jwk": json.loads(
                RSAAlgorithm.to_jwk(serialization.load_pem_private_key(attacker, None).public_key())
            ),
            "jku": "http://attacker.example/jwks.json",
        },
    ),
    "expired": lambda key, kid, account: _signed(
        key, kid, _valid(account, exp=datetime.now(UTC) - timedelta(minutes=5))
    ),
    "not-yet-valid": lambda key, kid, account: _signed(
        key, kid, _valid(account, nbf=datetime.now(UTC) + timedelta(minutes=10))
    ),
    "wrong-audience": lambda key, kid, account: _signed(
        key, kid, _valid(account, aud="another-api")
    ),
    "wrong-issuer": lambda key, kid, account: _signed(key, kid, _valid(account, iss="evil")),
    "no-expiry": lambda key, kid, account: _signed(key, kid, _valid(account, exp=None)),
    # Validly signed, but claims of the wrong shape: still no identity, and never a 500.
    "account-id-not-a-string": lambda key, kid, account: _signed(
        key, kid, _valid(account, account_id=12345)
    ),
    "account-id-not-a-uuid": lambda key, kid, account: _signed(
        key, kid, _valid(account, account_id="acct-1")
    ),
}


@pytest.mark.parametrize("attack", list(JWT_ATTACKS))
async def test_jwt_attacks_are_401_problems_before_proxying(
    gateway: str, echo: tuple[FastAPI, str], auth_service: AuthClient, attack: str
) -> None:
    account_id, token = await auth_service.new_account()
    kid = jwt.get_unverified_header(token)["kid"]
    forged = JWT_ATTACKS[attack](auth_service.signing_key_file.read_bytes(), kid, account_id)
    path = f"/v1/messages/probe-{uuid.uuid4().hex}"
    async with client(gateway) as http:
        response = await http.get(path, headers={"Authorization": f"Bearer {forged}"})
        # The same key and claims done right are accepted: the attack alone is refused.
        genuine = await http.get(path, headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert genuine.status_code == 200, genuine.text
    assert len(calls_to(echo, path)) == 1  # only the genuine request got through


async def test_large_body_streams_through_intact_both_ways(
    gateway: str, echo: tuple[FastAPI, str], auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    # The largest body the gateway accepts by default (tests/integration/test_edge_gateway.py
    # covers the ones it refuses).
    payload = os.urandom(DEFAULT_MAX_BODY_BYTES)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start : start + 64 * 1024]

    async with client(gateway) as http:
        response = await http.post(
            "/v1/messages/upload?raw=1",
            content=chunks(),
            headers={"Authorization": f"Bearer {token}"},
        )

    assert response.status_code == 200
    assert response.content == payload
    (call,) = calls_to(echo, "/v1/messages/upload")
    assert call["body_sha256"] == hashlib.sha256(payload).hexdigest()
    assert call["headers"]["transfer-encoding"] == "chunked"  # streamed on as it came
    assert "content-length" not in call["headers"]


@pytest.mark.parametrize(
    "path", ["/v1/nothing", "/v1/messagesX", "/v1/messages/%2E%2E/auth/login", "/"]
)
async def test_unknown_paths_are_404_problems(
    gateway: str, auth_service: AuthClient, path: str
) -> None:
    _, token = await auth_service.new_account()
    async with client(gateway) as http:
        anonymous = await http.post(path)
        with_token = await http.get(path, headers={"Authorization": f"Bearer {token}"})

    assert_problem(anonymous, 404, "not_found")
    assert_problem(with_token, 404, "not_found")


async def test_unreachable_upstream_is_503_naming_the_service(
    degraded_gateway: str, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    async with client(degraded_gateway) as http:
        response = await http.get(
            "/v1/billing/balance", headers={"Authorization": f"Bearer {token}"}
        )

    body = assert_problem(response, 503, "service_unavailable")
    assert "billing" in body["detail"]


async def test_slow_upstream_is_504(degraded_gateway: str, auth_service: AuthClient) -> None:
    _, token = await auth_service.new_account()
    async with client(degraded_gateway) as http:
        response = await http.get(
            "/v1/messages/slow?sleep=2", headers={"Authorization": f"Bearer {token}"}
        )

    body = assert_problem(response, 504, "gateway_timeout")
    assert "dispatch" in body["detail"]


async def test_past_its_in_flight_limit_the_gateway_refuses_at_once_and_probes_still_answer(
    auth_service: AuthClient, echo: tuple[FastAPI, str]
) -> None:
    _, token = await auth_service.new_account()
    headers = {"Authorization": f"Bearer {token}"}
    run = uuid.uuid4().hex[:8]
    settings = gateway_settings(auth_service.base_url, echo[1], max_in_flight=2)
    async with (
        bounded(served_app(create_app(settings), proxy_headers=False)) as crowded,
        client(crowded) as http,
    ):
        slow = [
            asyncio.create_task(http.get(f"/v1/messages/{run}-{i}?sleep=1.5", headers=headers))
            for i in range(2)
        ]

        async def both_upstream() -> bool:
            return all(calls_to(echo, f"/v1/messages/{run}-{i}") for i in range(2))

        assert await eventually(both_upstream, timeout=10, every=0.02)
        refused = await http.post(
            "/v1/messages/refused", json={"to": "+447911000001"}, headers=headers
        )
        probes = [await http.get("/healthz"), await http.get("/readyz")]
        served = await asyncio.gather(*slow)
        after = await http.get("/v1/messages/after", headers=headers)

    body = assert_problem(refused, 503, "overloaded")
    assert refused.headers["Retry-After"] == "1"
    assert body["instance"] == "/v1/messages/refused"
    # Refused before anything else: the service never heard of it.
    assert calls_to(echo, "/v1/messages/refused") == []
    assert [probe.status_code for probe in probes] == [200, 200]
    assert [response.status_code for response in served] == [200, 200]
    # The limit is on requests at once, not a count: with the slow ones done, room again.
    assert after.status_code == 200


async def test_readiness_is_the_gateways_own_and_tells_nothing_of_the_services(
    gateway: str, degraded_gateway: str, authless_gateway: str, echo: tuple[FastAPI, str]
) -> None:
    async with client(gateway) as http:
        healthz = await http.get("/healthz")
        ready = await http.get("/readyz")
    async with client(degraded_gateway) as http:
        billing_down = [await http.get("/readyz") for _ in range(3)]
    async with client(authless_gateway) as http:
        auth_down = await http.get("/readyz")

    assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})
    # billing is down, but the gateway can still check tokens: its own readiness holds,
    # and the public answer names no service.
    for response in billing_down:
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    # Without auth's keys no token can be checked: not ready, and still no detail.
    assert (auth_down.status_code, auth_down.json()) == (503, {"status": "unavailable"})
    # No probe fans out to the services behind (the echo stands in for all but auth).
    assert calls_to(echo, "/readyz") == []


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


async def test_openapi_merges_the_public_routes(gateway: str) -> None:
    async with client(gateway) as http:
        response = await http.get("/openapi.json")
        docs = await http.get("/docs")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "smsgw API"
    paths = spec["paths"]
    assert {
        "/v1/auth/register",
        "/v1/auth/login",
        "/.well-known/jwks.json",
        "/v1/messages",
        "/v1/messages/{message_id}",
        "/v1/billing/balance",
        "/v1/contacts",
    } <= set(paths)
    assert not {"/readyz", "/healthz", "/internal/things", "/{path}"} & set(paths)
    assert paths["/v1/messages"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/v1/auth/register"]["post"]["security"] == []
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}

    schemas = spec["components"]["schemas"]
    assert {"auth_TokenResponse", "dispatch_TokenResponse"} <= set(schemas)
    assert "TokenResponse" not in schemas
    assert "InternalSecret" not in schemas
    sent = paths["/v1/messages"]["post"]["responses"]["200"]["content"]["application/json"]
    assert sent["schema"]["$ref"] == "#/components/schemas/dispatch_TokenResponse"
    dangling = {
        ref for ref in _refs(spec) if ref.removeprefix("#/components/schemas/") not in schemas
    }
    assert dangling == set()

    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "/openapi.json" in docs.text


async def test_openapi_skips_a_service_that_is_down(degraded_gateway: str) -> None:
    async with client(degraded_gateway) as http:
        response = await http.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/v1/messages" in paths
    assert "/v1/auth/login" in paths
    assert "/v1/billing/balance" not in paths
