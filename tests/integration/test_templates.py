"""Templates, encoding policies and quotes against PostgreSQL, the broker, the real auth and
a running billing: what a customer sees when sending with a template, asking for GSM-7, or
asking what a send would cost."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from devstack.ports import free_port
from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from tests.integration.test_senders import token_as
from tests.support.apps import AuthClient, running_app, served_app
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

TO = "+447700900123"
# dispatch shows it to billing's internal prices route for quotes.
INTERNAL_TOKEN = "templates-internal-token"


@dataclass
class Dispatch:
    client: httpx.AsyncClient

    async def call(self, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await self.client.request(method, path, json=body, headers=headers)

    async def template(self, token: str, text: str, name: str | None = None) -> str:
        body = {"name": name or f"t-{uuid4().hex[:8]}", "text": text}
        response = await self.call("POST", "/v1/templates", token, body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def send(self, token: str, **body: Any) -> httpx.Response:
        return await self.call("POST", "/v1/messages", token, {"to": TO, **body})

    async def stored(self, token: str) -> list[dict[str, Any]]:
        response = await self.call("GET", "/v1/messages?limit=200", token)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@dataclass
class Stack:
    dispatch: Dispatch
    # The same database, but its billing URL leads nowhere.
    without_billing: Dispatch
    billing_url: str


def _quiet(app: FastAPI) -> FastAPI:
    # Nothing here needs events consumed; joining a consumer group costs seconds on Tansu.
    app.state.runtime.consumer_specs = ()
    return app


@pytest.fixture(scope="module")
async def stack(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Stack]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as billing_app

    billing = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=auth_service.jwks_url,
        price_per_part=Decimal("0.0475"),
        currency="GBP",
        environment="test",
        internal_token=INTERNAL_TOKEN,
    )
    dispatch_db = await databases.create("dispatch")

    def dispatch(billing_url: str) -> FastAPI:
        settings = DispatchSettings(
            database_url=dispatch_db,
            kafka_bootstrap_servers=broker,
            jwks_url=auth_service.jwks_url,
            environment="test",
            billing_url=billing_url,
            billing_timeout_seconds=2,
            internal_token=INTERNAL_TOKEN,
        )
        return _quiet(create_app(settings))

    async with (
        served_app(_quiet(billing_app(billing))) as billing_url,
        running_app(dispatch(billing_url)) as client,
        running_app(dispatch(f"http://127.0.0.1:{free_port()}")) as unpriced,
    ):
        yield Stack(Dispatch(client), Dispatch(unpriced), billing_url)


@pytest.fixture
def dispatch(stack: Stack) -> Dispatch:
    return stack.dispatch


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    return problem


# --- templates -----------------------------------------------------------------------------


async def test_templates_are_kept_listed_changed_and_deleted(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    created = await dispatch.call(
        "POST", "/v1/templates", token, {"name": "shipped", "text": "Hi {{name}}, {{order}} left"}
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["placeholders"] == ["name", "order"]
    assert created.headers["location"] == f"/v1/templates/{template['id']}"
    path = f"/v1/templates/{template['id']}"

    changed = await dispatch.call("PATCH", path, token, {"text": "{{order}} is on its way"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["placeholders"] == ["order"]
    assert (await dispatch.call("GET", path, token)).json()["text"] == "{{order}} is on its way"
    listed = await dispatch.call("GET", "/v1/templates", token)
    assert [item["name"] for item in listed.json()["items"]] == ["shipped"]
    assert_problem(
        await dispatch.call("POST", "/v1/templates", token, {"name": "shipped", "text": "x"}),
        409,
        "template_name_taken",
    )
    assert_problem(
        await dispatch.call("POST", "/v1/templates", token, {"name": "b", "text": "{{ Name }}"}),
        422,
        "invalid_placeholder",
    )

    deleted = await dispatch.call("DELETE", path, token)
    assert deleted.status_code == 204, deleted.text
    assert_problem(await dispatch.call("GET", path, token), 404, "not_found")
    assert (await dispatch.call("GET", "/v1/templates", token)).json()["items"] == []


async def test_a_send_with_a_template_stores_the_rendered_text(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "Hi {{name}}, order {{order}} left today")

    sent = await dispatch.send(
        token, template_id=template_id, variables={"name": "Ann", "order": "A-17"}
    )

    assert sent.status_code == 202, sent.text
    assert sent.json()["text"] == "Hi Ann, order A-17 left today"
    [stored] = await dispatch.stored(token)
    assert stored["text"] == "Hi Ann, order A-17 left today"


async def test_a_value_is_inserted_literally_never_expanded_again(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "{{a}} and {{b}}")

    sent = await dispatch.send(
        token, template_id=template_id, variables={"a": "{{b}}", "b": "{{a}}{{a}}"}
    )

    assert sent.status_code == 202, sent.text
    assert sent.json()["text"] == "{{b}} and {{a}}{{a}}"


async def test_a_missing_variable_is_named_and_nothing_is_stored(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "Hi {{name}}, code {{code}}")

    problem = assert_problem(
        await dispatch.send(token, template_id=template_id, variables={"name": "Ann"}),
        422,
        "template_variable_missing",
    )

    assert problem["missing"] == ["code"]
    assert await dispatch.stored(token) == []


async def test_text_and_template_together_are_refused(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "Hello")

    response = await dispatch.send(token, text="Hello", template_id=template_id)

    assert_problem(response, 422, "validation_error")
    assert_problem(await dispatch.send(token), 422, "validation_error")


async def test_another_accounts_template_is_unknown(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, owner = await auth_service.new_account("Owner Ltd")
    _, other = await auth_service.new_account("Other Ltd")
    template_id = await dispatch.template(owner, "Secret offer for {{name}}")

    assert_problem(
        await dispatch.call("GET", f"/v1/templates/{template_id}", other), 404, "not_found"
    )
    assert (await dispatch.call("GET", "/v1/templates", other)).json()["items"] == []
    assert_problem(
        await dispatch.call("PATCH", f"/v1/templates/{template_id}", other, {"name": "x"}),
        404,
        "not_found",
    )
    assert_problem(
        await dispatch.send(other, template_id=template_id, variables={"name": "x"}),
        422,
        "unknown_template",
    )
    assert await dispatch.stored(other) == []


async def test_a_batch_renders_each_entry_and_refuses_bad_ones_alone(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "Hi {{name}}")
    entries = [
        {"to": "+447700900401", "template_id": template_id, "variables": {"name": "Ann"}},
        {"to": "+447700900402", "template_id": template_id, "variables": {}},
        {"to": "+447700900403", "template_id": str(uuid4())},
        {"to": "+447700900404", "text": "Plain"},
    ]

    batch = await dispatch.call("POST", "/v1/messages/batch", token, {"messages": entries})

    assert batch.status_code == 202, batch.text
    assert [(r["index"], r["code"]) for r in batch.json()["rejected"]] == [
        (1, "template_variable_missing"),
        (2, "unknown_template"),
    ]
    texts = {item["to"]: item["text"] for item in await dispatch.stored(token)}
    assert texts == {"+447700900401": "Hi Ann", "+447700900404": "Plain"}


# --- encoding policies ---------------------------------------------------------------------


async def test_transliteration_sends_gsm7_and_says_what_it_replaced(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    sent = await dispatch.send(
        token, text="It\u2019s ready \u2013 pick it up\u2026", encoding_policy="gsm7_transliterate"
    )

    assert sent.status_code == 202, sent.text
    answer = sent.json()
    assert (answer["text"], answer["encoding"]) == ("It's ready - pick it up...", "gsm7")
    assert answer["replaced"] == [
        {"from": "\u2019", "to": "'", "count": 1},
        {"from": "\u2013", "to": "-", "count": 1},
        {"from": "\u2026", "to": "...", "count": 1},
    ]
    batch = await dispatch.call(
        "POST",
        "/v1/messages/batch",
        token,
        {
            "to": ["+447700900501"],
            "text": "\u201cHi\u201d",
            "encoding_policy": "gsm7_transliterate",
        },
    )
    assert batch.status_code == 202, batch.text
    [message] = batch.json()["messages"]
    assert (message["encoding"], message["replaced"]) == (
        "gsm7",
        [{"from": "\u201c", "to": '"', "count": 1}, {"from": "\u201d", "to": '"', "count": 1}],
    )


async def test_reject_ucs2_refuses_and_names_the_characters(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    problem = assert_problem(
        await dispatch.send(token, text="Zo\u00eb \u2019ok\u2019", encoding_policy="reject_ucs2"),
        422,
        "ucs2_not_allowed",
    )

    assert problem["characters"] == ["\u00eb", "\u2019"]
    assert await dispatch.stored(token) == []
    plain = await dispatch.send(token, text="Zo\u00e9 ok", encoding_policy="reject_ucs2")
    assert plain.status_code == 202, plain.text


# --- quotes --------------------------------------------------------------------------------


async def test_a_quote_gives_encoding_segments_and_billings_price_and_stores_nothing(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    quoted = await dispatch.call(
        "POST", "/v1/messages/quote", token, {"to": TO, "text": "Gr\u00fc\u00dfe \u2019 " * 10}
    )

    assert quoted.status_code == 200, quoted.text
    answer = quoted.json()
    [message] = answer["messages"]
    assert (message["encoding"], message["segments"], message["characters"]) == ("ucs2", 2, 80)
    assert message["ucs2_characters"] == ["\u2019"]  # ü and ß are GSM-7
    assert (message["price_per_part"], message["price"], message["currency"]) == (
        "0.0475",
        "0.0950",
        "GBP",
    )
    assert (answer["total_price"], answer["currency"], answer["note"]) == ("0.0950", "GBP", None)
    assert await dispatch.stored(token) == []


async def test_a_batch_quote_prices_each_message_with_its_template_and_policy(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()
    template_id = await dispatch.template(token, "{{greeting}} \u2013 see you")
    body = {
        "encoding_policy": "gsm7_transliterate",
        "messages": [
            {"to": "+447700900601", "template_id": template_id, "variables": {"greeting": "Hi"}},
            {"to": "not a number", "text": "Hi"},
            {"to": "+447700900603", "text": "x" * 161},
        ],
    }

    quoted = await dispatch.call("POST", "/v1/messages/quote", token, body)

    assert quoted.status_code == 200, quoted.text
    answer = quoted.json()
    summary = [
        (m["index"], m["text"][:10], m["encoding"], m["segments"], m["price"], m["replaced"])
        for m in answer["messages"]
    ]
    assert summary == [
        (0, "Hi - see y", "gsm7", 1, "0.0475", [{"from": "\u2013", "to": "-", "count": 1}]),
        (2, "x" * 10, "gsm7", 2, "0.0950", []),
    ]
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [(1, "invalid_phone_number")]
    assert answer["total_price"] == "0.1425"
    assert await dispatch.stored(token) == []


async def test_a_quote_leaves_destinations_the_tariff_does_not_price_unpriced(
    stack: Stack, auth_service: AuthClient
) -> None:
    account_id, token = await auth_service.new_account()
    ops = {"Authorization": f"Bearer {token_as(auth_service, token, 'ops')}"}
    # The account's own plan, pricing the UK only: other tests' accounts keep the flat price.
    async with httpx.AsyncClient(base_url=stack.billing_url, headers=ops) as billing:
        plan = await billing.post(
            "/v1/ops/tariffs",
            json={"name": "UK only", "currency": "GBP", "account_id": str(account_id)},
        )
        assert plan.status_code == 200, plan.text
        version = await billing.post(
            f"/v1/ops/tariffs/{plan.json()['id']}/versions",
            json={"prices": [{"prefix": "44", "price_per_part": "0.03"}]},
        )
        assert version.status_code == 200, version.text

    quoted = await stack.dispatch.call(
        "POST", "/v1/messages/quote", token, {"to": [TO, "+79161234567"], "text": "Hi"}
    )

    assert quoted.status_code == 200, quoted.text
    answer = quoted.json()
    assert [(m["to"], m["price"]) for m in answer["messages"]] == [
        (TO, "0.03"),
        ("+79161234567", None),
    ]
    assert answer["total_price"] is None
    assert answer["note"] == "no_tariff: no price for +79161234567"


async def test_a_quote_answers_without_prices_when_billing_does_not(
    stack: Stack, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    quoted = await stack.without_billing.call(
        "POST", "/v1/messages/quote", token, {"to": TO, "text": "Hello"}
    )

    assert quoted.status_code == 200, quoted.text
    answer = quoted.json()
    assert [(m["encoding"], m["segments"], m["price"]) for m in answer["messages"]] == [
        ("gsm7", 1, None)
    ]
    assert answer["total_price"] is None
    assert "prices unavailable" in answer["note"]


async def test_a_single_quote_is_refused_like_the_send(
    dispatch: Dispatch, auth_service: AuthClient
) -> None:
    _, token = await auth_service.new_account()

    assert_problem(
        await dispatch.call(
            "POST",
            "/v1/messages/quote",
            token,
            {"to": TO, "text": "\u2019", "encoding_policy": "reject_ucs2"},
        ),
        422,
        "ucs2_not_allowed",
    )
    assert_problem(
        await dispatch.call("POST", "/v1/messages/quote", token, {"to": "123", "text": "Hi"}),
        422,
        "invalid_phone_number",
    )
