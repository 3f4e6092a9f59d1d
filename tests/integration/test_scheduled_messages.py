"""Scheduled messages against the real dispatch and billing apps, PostgreSQL and the broker:
`send_at` holds a message `scheduled`, uncharged, until the releaser (its clock injected
here) finds it due; it is then accepted and charged like any other. Until then the
customer may cancel it, and it costs nothing."""

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from dispatch_service.scheduling.releaser import ScheduledReleaser
from shared.events import utcnow
from tests.integration.test_batches import PRICE_PER_PART, STARTER_CREDIT, Platform, assert_problem
from tests.integration.test_batches import platform as platform  # noqa: F401 - the fixture
from tests.support.apps import AuthClient

pytestmark = pytest.mark.asyncio(loop_scope="session")

HANDSET = "+447700900777"


async def _send(platform: Platform, token: str, **body: Any) -> httpx.Response:
    return await platform.dispatch.post(
        "/v1/messages",
        json={"to": HANDSET, "text": "Happy birthday!", **body},
        headers={"Authorization": f"Bearer {token}"},
    )


async def _message(platform: Platform, token: str, message_id: str) -> dict[str, Any]:
    response = await platform.dispatch.get(
        f"/v1/messages/{message_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    message: dict[str, Any] = response.json()
    return message


async def _cancel(platform: Platform, token: str, message_id: str) -> httpx.Response:
    return await platform.dispatch.post(
        f"/v1/messages/{message_id}/cancel", headers={"Authorization": f"Bearer {token}"}
    )


async def _release_as_of(platform: Platform, at: datetime) -> int:
    releaser = ScheduledReleaser(
        platform.dispatch_app.state.runtime.sessionmaker, 100, clock=lambda: at
    )
    return await releaser.release()


async def _settled(platform: Platform, token: str, message_id: str) -> dict[str, Any]:
    """The message once billing has answered for it."""
    async with asyncio.timeout(60):
        while (message := await _message(platform, token, message_id))["status"] == "accepted":
            await asyncio.sleep(0.1)
    return message


async def test_a_scheduled_message_waits_uncharged_then_goes_at_its_time(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    send_at = (utcnow() + timedelta(days=30)).replace(microsecond=0)

    sent = await _send(platform, token, send_at=send_at.isoformat(), validity_period=3600)

    assert sent.status_code == 202, sent.text
    scheduled = sent.json()
    assert scheduled["status"] == "scheduled"
    assert [part["status"] for part in scheduled["parts"]] == ["scheduled"]
    assert datetime.fromisoformat(scheduled["send_at"]) == send_at
    assert scheduled["validity_period"] == 3600
    # A day early: nothing moves, nothing is charged.
    await _release_as_of(platform, send_at - timedelta(days=1))
    assert (await _message(platform, token, scheduled["id"]))["status"] == "scheduled"
    assert Decimal(await platform.balance(token)) == STARTER_CREDIT

    assert await _release_as_of(platform, send_at) >= 1

    charged = await _settled(platform, token, scheduled["id"])
    assert charged["status"] == "queued"
    assert [part["status"] for part in charged["parts"]] == ["queued"]
    assert Decimal(await platform.balance(token)) == STARTER_CREDIT - PRICE_PER_PART
    # Gone out: too late to cancel.
    assert_problem(await _cancel(platform, token, scheduled["id"]), 409, "not_cancelable")


async def test_a_canceled_message_never_goes_and_costs_nothing(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    _, stranger = await platform.customer(auth_service)
    send_at = utcnow() + timedelta(hours=2)
    scheduled = (await _send(platform, token, send_at=send_at.isoformat())).json()

    assert_problem(await _cancel(platform, stranger, scheduled["id"]), 404, "not_found")
    canceled = await _cancel(platform, token, scheduled["id"])

    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert [part["status"] for part in canceled.json()["parts"]] == ["canceled"]
    assert_problem(await _cancel(platform, token, scheduled["id"]), 409, "not_cancelable")
    await _release_as_of(platform, send_at + timedelta(minutes=1))
    assert (await _message(platform, token, scheduled["id"]))["status"] == "canceled"
    assert Decimal(await platform.balance(token)) == STARTER_CREDIT


async def test_a_scheduled_batch_goes_message_by_message_at_its_time(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    send_at = utcnow() + timedelta(days=1)
    batch = await platform.batch(
        token,
        {"text": "Sale!", "to": ["+447700900701", "+447700900702"], "send_at": send_at.isoformat()},
    )
    assert batch.status_code == 202, batch.text
    assert {m["status"] for m in batch.json()["messages"]} == {"scheduled"}

    await _release_as_of(platform, send_at)

    for message in batch.json()["messages"]:
        assert (await _settled(platform, token, message["id"]))["status"] == "queued"
    assert Decimal(await platform.balance(token)) == STARTER_CREDIT - 2 * PRICE_PER_PART


async def test_a_time_past_sends_at_once_and_bad_timing_is_refused(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)

    past = await _send(platform, token, send_at=(utcnow() - timedelta(hours=1)).isoformat())
    assert (past.status_code, past.json()["status"]) == (202, "accepted")
    assert past.json()["send_at"] is None

    too_far = (utcnow() + timedelta(days=91)).isoformat()
    assert_problem(await _send(platform, token, send_at=too_far), 422, "invalid_send_at")
    # Without an offset the time means nothing certain.
    naive = await _send(platform, token, send_at="2030-01-01T09:00:00")
    assert_problem(naive, 422, "validation_error")
    assert_problem(await _send(platform, token, validity_period=30), 422, "validation_error")
    assert_problem(await _send(platform, token, validity_period=259201), 422, "validation_error")
    listed = await platform.listed(token, limit=200)
    assert [m["id"] for m in listed] == [past.json()["id"]]


# --- sending windows --------------------------------------------------------------------------

NEW_YORK_NUMBER, LONDON_NUMBER = "+12025550143", "+447700900744"


def _hh_mm(at: datetime) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


async def _window(platform: Platform, token: str, start: str, end: str) -> None:
    put = await platform.dispatch.put(
        "/v1/sending-window",
        json={"start": start, "end": end},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert put.status_code == 200, put.text


async def test_marketing_outside_the_window_waits_for_it_to_open(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    new_york = ZoneInfo("America/New_York")
    there = utcnow().astimezone(new_york)
    # A window opening two hours from now on New York's clock (its hours, whatever today's).
    opens = there + timedelta(hours=2)
    await _window(platform, token, _hh_mm(opens), _hh_mm(opens + timedelta(hours=2)))

    marketing = await _send(platform, token, to=NEW_YORK_NUMBER, purpose="marketing")
    notice = await _send(platform, token, to=NEW_YORK_NUMBER)  # transactional: never held

    assert marketing.status_code == 202, marketing.text
    assert marketing.json()["status"] == "scheduled"
    held_until = datetime.fromisoformat(marketing.json()["send_at"]).astimezone(new_york)
    assert (held_until.hour, held_until.minute) == (opens.hour, opens.minute)
    assert timedelta(hours=1) < held_until - there <= timedelta(hours=2)
    assert notice.json()["status"] == "accepted"
    # It goes when the window opens, as any scheduled message.
    await _release_as_of(platform, held_until)
    assert (await _settled(platform, token, marketing.json()["id"]))["status"] == "queued"


async def test_a_batch_holds_only_the_recipients_outside_their_window(
    platform: Platform, auth_service: AuthClient
) -> None:
    _, token = await platform.customer(auth_service)
    there = utcnow().astimezone(ZoneInfo("America/New_York"))
    # Open now in New York; London's clock is hours ahead, past its end.
    start, end = there - timedelta(minutes=30), there + timedelta(minutes=90)
    await _window(platform, token, _hh_mm(start), _hh_mm(end))

    batch = await platform.batch(token, {"text": "Sale!", "to": [NEW_YORK_NUMBER, LONDON_NUMBER]})

    assert batch.status_code == 202, batch.text
    assert [(m["to"], m["status"]) for m in batch.json()["messages"]] == [
        (NEW_YORK_NUMBER, "accepted"),
        (LONDON_NUMBER, "scheduled"),
    ]
    removed = await platform.dispatch.delete(
        "/v1/sending-window", headers={"Authorization": f"Bearer {token}"}
    )
    assert removed.status_code == 204
    again = await platform.batch(token, {"text": "Sale!", "to": [LONDON_NUMBER]})
    assert [m["status"] for m in again.json()["messages"]] == ["accepted"]
