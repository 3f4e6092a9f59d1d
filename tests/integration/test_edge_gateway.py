"""The gateway's body limit over real sockets, and the error documents every generated
client relies on: problem+json on every operation of the merged OpenAPI document."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.config import GatewaySettings
from gateway.main import create_app
from shared.body_limit import DEFAULT_MAX_BODY_BYTES
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases
from tests.support.platform import Platform, public_platform

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIMIT = 64 * 1024
WAIT_SECONDS = 10


def recording_app() -> FastAPI:
    """Stands in for dispatch: records the size of every body that reached it."""
    app = FastAPI()
    app.state.bodies = []

    @app.post("/v1/messages")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        request.app.state.bodies.append(len(body))
        return JSONResponse({"received": len(body)})

    return app


@pytest.fixture(scope="module")
async def upstream() -> AsyncIterator[tuple[FastAPI, str]]:
    app = recording_app()
    async with served_app(app) as url:
        yield app, url


@pytest.fixture(scope="module")
async def gateway(auth_service: AuthClient, upstream: tuple[FastAPI, str]) -> AsyncIterator[str]:
    urls = {f"{name}_url": upstream[1] for name in ("contacts", "dispatch", "billing", "dlr")}
    settings = GatewaySettings(auth_url=auth_service.base_url, max_body_bytes=LIMIT, **urls)
    async with served_app(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
async def token(auth_service: AuthClient) -> str:
    _, bearer = await auth_service.new_account()
    return bearer


async def raw_exchange(
    base_url: str, head: bytes, body_parts: list[bytes]
) -> tuple[int, dict[str, str], bytes]:
    """Sends a request head and body parts over a plain socket; returns the response's
    status, headers and body (framed by Content-Length, as the gateway's errors are)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        for part in body_parts:
            writer.write(part)
        await writer.drain()
        async with asyncio.timeout(WAIT_SECONDS):
            status_line, *lines = (
                (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").strip().split("\r\n")
            )
            headers = {
                name.lower(): value.strip()
                for name, value in (line.split(":", 1) for line in lines)
            }
            body = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return int(status_line.split()[1]), headers, body


def head(token: str, *framing: str) -> bytes:
    lines = [
        "POST /v1/messages HTTP/1.1",
        "Host: gateway",
        f"Authorization: Bearer {token}",
        "Content-Type: application/json",
        *framing,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def test_declared_length_over_the_limit_is_413_before_any_body_is_sent(
    gateway: str, upstream: tuple[FastAPI, str], token: str
) -> None:
    before = len(upstream[0].state.bodies)
    # 12 MB announced, not a byte of it sent: only an answer from the headers can come back.
    status, headers, body = await raw_exchange(gateway, head(token, "Content-Length: 12000000"), [])

    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert headers["x-request-id"]
    assert b'"code":"payload_too_large"' in body
    assert len(upstream[0].state.bodies) == before


async def test_chunked_body_over_the_limit_is_413_and_never_reaches_the_service(
    gateway: str, upstream: tuple[FastAPI, str], token: str
) -> None:
    before = len(upstream[0].state.bodies)
    chunk = b"x" * 16 * 1024
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(LIMIT // len(chunk) + 1)]

    status, headers, body = await raw_exchange(
        gateway, head(token, "Transfer-Encoding: chunked"), [*chunks, b"0\r\n\r\n"]
    )

    assert status == 413, body
    assert headers["content-type"] == "application/problem+json"
    assert b'"code":"payload_too_large"' in body
    assert len(upstream[0].state.bodies) == before  # the service saw a broken-off upload


async def test_a_client_that_sends_the_whole_body_first_still_reads_the_413(
    gateway: str, upstream: tuple[FastAPI, str], token: str
) -> None:
    """httpx, like most clients, writes the whole body before reading: were the gateway to
    close on the unread rest, the client would see a reset connection, not the 413."""
    before = len(upstream[0].state.bodies)
    payload = b"z" * (12 * 1024 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 256 * 1024):
            yield payload[start : start + 256 * 1024]

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gateway, timeout=WAIT_SECONDS) as client:
        declared = await client.post("/v1/messages", content=payload, headers=headers)
    async with httpx.AsyncClient(base_url=gateway, timeout=WAIT_SECONDS) as client:
        streamed = await client.post("/v1/messages", content=chunks(), headers=headers)

    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.json()["code"] == "payload_too_large"
    assert len(upstream[0].state.bodies) == before


async def test_body_of_exactly_the_limit_streams_through(
    gateway: str, upstream: tuple[FastAPI, str], token: str
) -> None:
    payload = b"y" * LIMIT

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, LIMIT, 10_000):
            yield payload[start : start + 10_000]

    async with httpx.AsyncClient(base_url=gateway, timeout=WAIT_SECONDS) as client:
        chunked = await client.post(
            "/v1/messages", content=chunks(), headers={"Authorization": f"Bearer {token}"}
        )
        declared = await client.post(
            "/v1/messages", content=payload, headers={"Authorization": f"Bearer {token}"}
        )

    assert chunked.status_code == declared.status_code == 200, chunked.text
    assert chunked.json() == declared.json() == {"received": LIMIT}


async def test_limit_is_configurable_and_defaults_to_4_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    assert GatewaySettings().max_body_bytes == DEFAULT_MAX_BODY_BYTES == 4 * 1024 * 1024
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "2048")
    assert GatewaySettings().max_body_bytes == 2048


async def test_services_refuse_bodies_over_their_own_limit(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app as contacts_app

    _, token = await auth_service.new_account()
    app = contacts_app(
        ContactsSettings(
            database_url=await databases.create("contacts"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
        )
    )
    big = b'{"phone": "+447700900123", "name": "' + b"a" * DEFAULT_MAX_BODY_BYTES + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 256 * 1024):
            yield big[start : start + 256 * 1024]

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with running_app(app) as client:
        declared = await client.post("/v1/contacts", content=big, headers=headers)
        streamed = await client.post("/v1/contacts", content=chunks(), headers=headers)
        listed = await client.get("/v1/contacts", headers=headers)

    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "payload_too_large"
    assert listed.json()["items"] == []


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    async with public_platform(databases, broker, auth_service) as running:
        yield running


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


async def test_every_operation_documents_its_problem_responses(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        spec = (await client.get("/openapi.json")).json()

    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code"} <= set(problem["required"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = _operations(spec)
    assert len(operations) >= 10
    for path, method, operation in operations:
        responses = operation["responses"]
        expected = {"408", "413", "422", "500", "502", "503", "504"}
        if operation["security"]:
            expected.add("401")
        if "{" in path:
            expected.add("404")
        assert expected <= set(responses), (method, path, sorted(responses))
        # Past the gateway's in-flight limit: 503 `overloaded`, and when to come back.
        assert "overloaded" in responses["503"]["description"], (method, path)
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        for status, response in responses.items():
            if int(status) < 400:
                continue
            content = response.get("content", {})
            assert list(content) == ["application/problem+json"], (method, path, status)
            schema = content["application/problem+json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)


async def test_documented_conflicts_and_credentials_errors(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]

    # register answers the same for a taken e-mail (no 409); both are limited per client IP.
    assert "409" not in paths["/v1/auth/register"]["post"]["responses"]
    assert "429" in paths["/v1/auth/register"]["post"]["responses"]
    assert "401" in paths["/v1/auth/login"]["post"]["responses"]
    assert "429" in paths["/v1/auth/login"]["post"]["responses"]
    assert "409" in paths["/v1/contacts"]["post"]["responses"]
    assert "409" in paths["/v1/messages"]["post"]["responses"]


async def test_an_unsubscribe_link_works_through_the_gateway_without_a_login(
    platform: Platform,
) -> None:
    _, token = await platform.auth.new_account()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        contact = (
            await client.post("/v1/contacts", json={"phone": "+447700900531"}, headers=headers)
        ).json()
        link = await client.post(f"/v1/contacts/{contact['id']}/unsubscribe-token", headers=headers)
        followed = await client.post("/v1/public/unsubscribe", json=link.json())
        made_up = await client.post("/v1/public/unsubscribe", json={"token": "made-up"})
        fetched = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers)).json()

    assert link.status_code == 200, link.text
    assert followed.status_code == 200, followed.text
    # The service's own answer, not the gateway's 401: the token is the credential.
    assert made_up.status_code == 422
    assert made_up.json()["code"] == "invalid_unsubscribe_token"
    marketing = fetched["consent"]["marketing"]
    assert (marketing["granted"], marketing["source"]) == (False, "link")
