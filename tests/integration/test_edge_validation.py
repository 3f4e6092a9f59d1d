"""Bad input at the edge, through the real gateway into the real services on PostgreSQL:
out-of-range numbers and unsendable characters are 422 problems that change nothing, and
an unexpected failure is a 500 that logs no personal data."""

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases
from tests.support.platform import Platform, public_platform

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    async with public_platform(databases, broker, auth_service) as running:
        yield running


@pytest.fixture
async def token(platform: Platform) -> str:
    """A fresh account per test, so "nothing was stored" means this test stored nothing."""
    _, bearer = await platform.auth.new_account()
    return bearer


@pytest.fixture
async def http(platform: Platform, token: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=platform.gateway_url, headers=headers, timeout=10) as c:
        yield c


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


@pytest.mark.parametrize(
    "url",
    [
        "/v1/messages?limit=806730544151670554624",  # past PostgreSQL's bigint
        "/v1/messages?limit=201",
        "/v1/messages?limit=-1",
        "/v1/contacts?limit=0",
        "/v1/contacts?limit=501",
        "/v1/contacts?limit=99999999999999999999999",
    ],
)
async def test_out_of_range_numbers_are_422_problems(http: httpx.AsyncClient, url: str) -> None:
    response = await http.get(url)

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["location"][0] == "query"


async def test_largest_page_allowed_is_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/messages?limit=200")

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)


async def test_every_integer_parameter_is_bounded_in_the_merged_document(
    platform: Platform,
) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url) as client:
        spec = (await client.get("/openapi.json")).json()

    integers = [
        (path, method, parameter["name"], parameter["schema"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if parameter["schema"].get("type") == "integer"
    ]
    assert integers, "the contacts and messages lists take integer parameters"
    unbounded = [entry for entry in integers if {"minimum", "maximum"} - set(entry[3])]
    assert unbounded == []


NUL_TEXT = "Your code is 1234\u0000 call +447700900999"


@pytest.mark.parametrize(
    "text",
    [
        NUL_TEXT,
        "pay\u200bpal.com/login",  # zero-width space splits what a reader sees as one word
        "see \u202eexe.gpj",  # right-to-left override shows "jpg.exe" backwards
        "isolated \u2066text\u2069",
        "\ufeffbom",
        "tab\tseparated",  # not in GSM 03.38: would silently force UCS-2
        "C1 \u0085 next line",
        "\u200b\u200b",  # invisible only, not merely blank
    ],
)
async def test_unsendable_message_text_is_invalid_text_and_nothing_is_stored(
    http: httpx.AsyncClient, text: str
) -> None:
    response = await http.post("/v1/messages", json={"to": "+447700900123", "text": text})

    body = assert_problem(response, 422, "invalid_text")
    assert body["errors"][0]["location"] == ["body", "text"]
    assert "U+" in body["detail"]
    assert "1234" not in response.text  # the text is not echoed back
    listed = await http.get("/v1/messages")
    assert listed.json()["items"] == []


async def test_sendable_line_breaks_and_emoji_sequences_are_accepted(
    http: httpx.AsyncClient,
) -> None:
    # LF and CR are in GSM 03.38's basic table, FF in its extension; ZWJ joins emoji.
    for text in ["line one\nline two\r\n\fpage two", "family \U0001f468\u200d\U0001f469"]:
        response = await http.post("/v1/messages", json={"to": "+447700900123", "text": text})

        assert response.status_code == 202, response.text
        assert response.json()["text"] == text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/contacts", {"phone": "+447700900123", "name": "Ada\u0000Lovelace"}),
        ("/v1/contacts", {"phone": "+447700900123", "consent_source": "web\nform"}),
        ("/v1/contacts", {"phone": "+447700900123", "name": "\u202eecalevoL adA"}),
        ("/v1/contacts", {"phone": "+44 7700 900123\u0000"}),
        ("/v1/messages", {"to": "+447700900123", "text": "hi", "sender": "ACME\u0000"}),
    ],
)
async def test_unsendable_characters_in_other_fields_are_invalid_text(
    http: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await http.post(path, json=body)

    assert_problem(response, 422, "invalid_text")
    assert (await http.get("/v1/contacts")).json()["items"] == []


async def test_company_name_with_nul_is_invalid_text(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        response = await client.post(
            "/v1/auth/register",
            json={
                "email": "nul-company@example.com",
                "password": "long enough password",
                "company_name": "Acme\u0000 Ltd",
            },
        )
        login = await client.post(
            "/v1/auth/login",
            json={"email": "nul-company@example.com", "password": "long enough password"},
        )

    assert_problem(response, 422, "invalid_text")
    assert_problem(login, 401, "invalid_credentials")  # no account was opened


async def test_unexpected_failure_is_a_500_problem_that_logs_no_personal_data(
    databases: Databases,
    broker: str,
    auth_service: AuthClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    app = create_app(
        ContactsSettings(
            database_url=await databases.create("contacts"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
        )
    )

    async def fails() -> None:
        # What a database error looks like: the statement's parameters in the message.
        raise RuntimeError("[parameters: ('+447700900999', 'Your code is 1234')]")

    app.add_api_route("/v1/contacts-failing", fails, methods=["GET"])
    # create_app reconfigured logging and so dropped caplog's handler: put it back.
    root = logging.getLogger()
    root.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    try:
        async with running_app(app) as client:
            response = await client.get("/v1/contacts-failing?to=%2B447700900999")
    finally:
        root.removeHandler(caplog.handler)

    assert_problem(response, 500, "internal_error")
    assert "+447700900999" not in response.text
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )
    assert "RuntimeError" in logged  # the failure is logged, by type and place
    assert "+447700900999" not in logged
    assert "1234" not in logged


async def test_a_database_outage_is_a_503_to_retry_not_a_500(
    databases: Databases, broker: str, auth_service: AuthClient
) -> None:
    """What asyncpg raises while PostgreSQL restarts tells the client to come back."""
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    app = create_app(
        ContactsSettings(
            database_url=await databases.create("contacts"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
        )
    )

    async def database_down() -> None:
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    app.add_api_route("/v1/contacts-down", database_down, methods=["GET"])
    async with running_app(app) as client:
        response = await client.get("/v1/contacts-down")

    assert_problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "1"
