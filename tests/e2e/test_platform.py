"""The whole platform as real processes: gateway → auth/dispatch/billing → broker → SMPP
connector → SMSC simulator → receipts → dlr → status. What a customer does, and sees."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import SERVICES, Stack, StackConfig
from tests.support.databases import Databases

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

PRICE_PER_PART = Decimal("0.05")
STARTER_CREDIT = Decimal("10.00")
CYRILLIC_TWO_PARTS = (
    "Привет! Ваш код подтверждения 4821. Никому его не сообщайте, даже сотрудникам банка."
)
GSM_ONE_PART = "Your table for 2 is booked at 19:30 {Friday} - reply STOP to opt out"


@pytest.fixture(scope="module")
async def stack(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    var_dir = Path(tmp_path_factory.mktemp("stack"))
    urls = {name: await databases.create(name) for name in SERVICES}
    config = StackConfig(
        var_dir=var_dir,
        gateway_port=0,
        database_urls=urls,
        logs_to_files=True,
        # The handset's side: a test posts its replies (MO) through the control API.
        smsc_control=True,
        simulator_args=("--receipt-delay", "0.3", "--first-message-id", "1000"),
        extra_env={
            "BILLING_STARTER_CREDIT": str(STARTER_CREDIT),
            "BILLING_PRICE_PER_PART": str(PRICE_PER_PART),
            # A long MO with a part lost is given up on (and kept, incomplete) in seconds.
            "DLR_MO_REASSEMBLY_WINDOW_SECONDS": "3",
            "DLR_SWEEP_INTERVAL_SECONDS": "1",
        },
    )
    platform = Stack(config)
    await asyncio.to_thread(platform.start, 120)
    try:
        yield platform
    finally:
        await asyncio.to_thread(platform.stop)
        _print_logs(var_dir)


def _print_logs(var_dir: Path) -> None:
    for log in sorted((var_dir / "logs").glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()[-15:]
        print(f"--- {log.name} (last {len(lines)} lines)\n" + "\n".join(lines))  # noqa: T201


async def _signed_up(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    password = "a long enough password"
    registered = await client.post(
        "/v1/auth/register",
        json={"email": email, "password": password, "company_name": f"{email} Ltd"},
    )
    assert registered.status_code == 202, registered.text
    login = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    # Billing grants the starter credit on the registration's event (sign-up policy `open`
    # under make dev); a message charged before it would be declined.
    async with asyncio.timeout(60):
        while True:
            balance = await client.get("/v1/billing/balance", headers=headers)
            if balance.status_code == 200 and Decimal(balance.json()["balance"]) > 0:
                break
            await asyncio.sleep(0.2)
    return headers


async def _wait_for_status(
    client: httpx.AsyncClient, message_id: str, headers: dict[str, str], status: str
) -> dict[str, Any]:
    message: dict[str, Any] = {}
    async with asyncio.timeout(60):
        while message.get("status") != status:
            response = await client.get(f"/v1/messages/{message_id}", headers=headers)
            assert response.status_code == 200, response.text
            message = response.json()
            assert message["status"] not in {"rejected", "failed", "undelivered"}, message
            await asyncio.sleep(0.2)
    return message


async def test_sms_travels_the_whole_way(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client:
        alice = await _signed_up(client, "alice@example.com")

        cyrillic = await client.post(
            "/v1/messages",
            headers=alice,
            json={"to": "+7 912 345-67-89", "text": CYRILLIC_TWO_PARTS},
        )
        gsm = await client.post(
            "/v1/messages", headers=alice, json={"to": "+447700900123", "text": GSM_ONE_PART}
        )
        assert cyrillic.status_code == 202, cyrillic.text
        assert gsm.status_code == 202, gsm.text
        assert (cyrillic.json()["encoding"], cyrillic.json()["segments"]) == ("ucs2", 2)
        assert (gsm.json()["encoding"], gsm.json()["segments"]) == ("gsm7", 1)
        assert cyrillic.json()["to"] == "+79123456789"

        delivered = await _wait_for_status(client, cyrillic.json()["id"], alice, "delivered")
        await _wait_for_status(client, gsm.json()["id"], alice, "delivered")

        assert [part["status"] for part in delivered["parts"]] == ["delivered", "delivered"]
        assert all(part["smsc_message_id"] for part in delivered["parts"])
        balance = (await client.get("/v1/billing/balance", headers=alice)).json()
        assert Decimal(balance["balance"]) == STARTER_CREDIT - 3 * PRICE_PER_PART

        # Operators see the same journey in the services' metrics.
        dispatch = await _metrics(stack, "dispatch")
        assert dispatch.get(("sms_message_parts_accepted_total", 'encoding="ucs2"'), 0) >= 2
        assert (
            dispatch[("http_requests_total", 'method="POST",route="/v1/messages",status="202"')]
            >= 2
        )
        dlr = await _metrics(stack, "dlr")
        assert dlr[("dlr_part_statuses_reported_total", 'status="delivered"')] >= 3


async def _metrics(stack: Stack, service: str) -> dict[tuple[str, str], float]:
    """The service's /metrics samples by (name, labels as written)."""
    async with httpx.AsyncClient(timeout=5) as client:
        scraped = await client.get(f"http://127.0.0.1:{stack.ports[service]}/metrics")
    assert scraped.status_code == 200, scraped.text
    samples: dict[tuple[str, str], float] = {}
    for line in scraped.text.splitlines():
        if line.startswith("#") or not line:
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        samples[(name, labels.rstrip("}"))] = float(value)
    return samples


async def test_tenants_are_isolated_and_tokens_required(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client:
        owner = await _signed_up(client, "owner@example.com")
        stranger = await _signed_up(client, "stranger@example.com")
        sent = await client.post(
            "/v1/messages", headers=owner, json={"to": "+447700900456", "text": "private"}
        )
        assert sent.status_code == 202, sent.text
        message_id = sent.json()["id"]

        as_stranger = await client.get(f"/v1/messages/{message_id}", headers=stranger)
        anonymous = await client.get(f"/v1/messages/{message_id}")
        bad_number = await client.post(
            "/v1/messages", headers=owner, json={"to": "12345", "text": "hi"}
        )

    assert as_stranger.status_code == 404
    assert as_stranger.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401
    assert bad_number.status_code == 422
    assert bad_number.json()["code"] == "invalid_phone_number"


async def test_a_stop_reply_blocks_the_next_marketing_message(stack: Stack) -> None:
    handset, our_number = "+447700900555", "+447700900999"
    marketing = {"to": handset, "text": "Sale today", "sender": our_number, "purpose": "marketing"}
    assert stack.smsc_control_url is not None
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client,
        httpx.AsyncClient(base_url=stack.smsc_control_url, timeout=5) as smsc,
    ):
        shop = await _signed_up(client, "shop@example.com")
        first = await client.post("/v1/messages", headers=shop, json=marketing)
        assert first.status_code == 202, first.text
        await _wait_for_status(client, first.json()["id"], shop, "delivered")

        # The handset answers the number the message came from; the SMSC passes it on.
        reply = {"source": handset.lstrip("+"), "destination": our_number.lstrip("+")}
        posted = await smsc.post("/mo", json={**reply, "text": " Stop "})
        assert posted.status_code == 200, posted.text

        # dlr gives the reply to the account that sent from that number, as an opt-out.
        inbound: list[dict[str, Any]] = []
        async with asyncio.timeout(60):
            while not inbound:
                listed = await client.get("/v1/inbound", headers=shop)
                assert listed.status_code == 200, listed.text
                inbound = listed.json()["items"]
                await asyncio.sleep(0.2)
        assert [(m["from"], m["to"], m["keyword"]) for m in inbound] == [
            (handset, our_number, "STOP")
        ]
        # Dispatch hears of it over the broker; from then on marketing to the number stops.
        async with asyncio.timeout(60):
            while True:
                again = await client.post("/v1/messages", headers=shop, json=marketing)
                if again.status_code == 422:
                    break
                assert again.status_code == 202, again.text
                await asyncio.sleep(0.3)
        assert again.json()["code"] == "recipient_opted_out"
        transactional = {**marketing, "purpose": "transactional", "text": "Your order shipped"}
        shipped = await client.post("/v1/messages", headers=shop, json=transactional)
        assert shipped.status_code == 202, shipped.text


async def test_long_replies_in_every_concatenation_form_are_reassembled(stack: Stack) -> None:
    handset, our_number = "+447700900777", "+447700900888"
    long_text = "".join(f"line {i:02d}; " for i in range(40))  # 360 characters: three parts
    assert stack.smsc_control_url is not None
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=15) as client,
        httpx.AsyncClient(base_url=stack.smsc_control_url, timeout=5) as smsc,
    ):
        shop = await _signed_up(client, "long-replies@example.com")
        first = await client.post(
            "/v1/messages",
            headers=shop,
            json={"to": handset, "text": "How was your stay?", "sender": our_number},
        )
        assert first.status_code == 202, first.text
        await _wait_for_status(client, first.json()["id"], shop, "delivered")

        reply = {"source": handset.lstrip("+"), "destination": our_number.lstrip("+")}
        forms = (
            {"concatenation": "udh8", "reference": 17},
            {"concatenation": "udh16", "reference": 4242, "reverse": True},  # last part first
            {"concatenation": "sar", "reference": 99},
        )
        for form in forms:
            posted = await smsc.post("/mo", json={**reply, "text": long_text, **form})
            assert posted.json() == {"sent": True, "parts": 3}, posted.text
        lost = {**reply, "text": "Cyrillic too: " + "ы" * 80, "concatenation": "udh8"}
        posted = await smsc.post("/mo", json={**lost, "reference": 18, "skip_parts": [2]})
        assert posted.json() == {"sent": True, "parts": 2}, posted.text

        inbound: list[dict[str, Any]] = []
        async with asyncio.timeout(60):
            while len(inbound) < 4:
                listed = await client.get("/v1/inbound", headers=shop)
                assert listed.status_code == 200, listed.text
                inbound = listed.json()["items"]
                await asyncio.sleep(0.3)

    whole = [m for m in inbound if not m["incomplete"]]
    assert [(m["text"], m["parts"], m["malformed"]) for m in whole] == [(long_text, 3, False)] * 3
    [partial] = [m for m in inbound if m["incomplete"]]
    # Only the first part came: the text is what arrived, flagged, not dropped.
    assert partial["parts"] == 2
    assert partial["text"].startswith("Cyrillic too: ы")
    assert len(partial["text"]) < len(lost["text"])
