"""Notifications (issue 13 item 4): auth's notifications consumer mails an account's people
on the events that matter, once each even when an event comes twice; operators' breach
notices track their 72-hour deadline; marketing mail carries an unsubscribe link that works.

Mail goes the real SMTP way (shared.mail.SmtpMailer) into an aiosmtpd sink
(devstack/mail_sink.py) that keeps it in a Maildir the tests read. The periodic sender is
left out: each test sends what is queued when it looks, so that a mail still queued can be
seen as such (a breach notice's pending count).
"""

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from devstack.mail_sink import SmtpSink
from shared.events import (
    AccountStateChanged,
    BalanceLow,
    Event,
    InvoiceIssued,
    SenderNameDecided,
    WebhookEndpointDisabled,
    serialise_event,
    utcnow,
)
from shared.mail import Mail, SmtpMailer, read_maildir
from tests.integration.auth_support import auth_app_factory
from tests.integration.test_auth_account_states import (
    PASSWORD,
    bearer,
    customer,
    login,
    new_email,
    operator,
)
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

INVITATION = re.compile(r"accept-invitation\?token=([A-Za-z0-9_-]+)")
UNSUBSCRIBE = re.compile(r"(http://\S+/v1/public/mail-unsubscribe\?token=\S+)")


@dataclass
class Platform:
    app: FastAPI
    client: httpx.AsyncClient
    sink: SmtpSink
    producer: AIOKafkaProducer
    ops: str  # an operator's access token

    async def mail_to(self, email: str) -> list[tuple[str, str]]:
        """(subject, text) of every mail the sink received for `email`, oldest first,
        after sending what is queued."""
        await self.app.state.runtime.mail.run_once()
        return [
            (str(message["Subject"]), message.get_content())
            for message in read_maildir(self.sink.maildir)
            if message["To"] == email
        ]

    async def mail_arrives(self, email: str, subject: str, count: int = 1) -> list[str]:
        """Waits until `email` has `count` mails whose subject holds `subject`; returns the
        texts of all such mails (a test that waited for the events' handling first sees any
        extra one: a mail is queued in the transaction that takes the event)."""

        async def arrived() -> bool:
            return len(await self._matching(email, subject)) >= count

        assert await eventually(arrived, timeout=30, every=0.2), await self.mail_to(email)
        return await self._matching(email, subject)

    async def _matching(self, email: str, subject: str) -> list[str]:
        return [text for got, text in await self.mail_to(email) if subject in got]

    async def publish(self, event: Event) -> None:
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", getattr(event, "type").encode())],  # noqa: B009
        )

    async def handled(self, event: Event) -> None:
        """Waits until the notifications consumer has taken the event."""
        from auth_service.db import Inbox

        group = f"{self.app.state.settings.consumer_group}-notifications"

        async def taken() -> bool:
            async with self.app.state.runtime.sessionmaker() as session:
                return await session.get(Inbox, (group, event.event_id)) is not None

        assert await eventually(taken, timeout=30, every=0.1)

    async def forget(self, event: Event) -> None:
        """Drops the event from the inbox, as its retention would: a replay gets past it."""
        from sqlalchemy import delete

        from auth_service.db import Inbox

        async with self.app.state.runtime.sessionmaker() as session:
            await session.execute(delete(Inbox).where(Inbox.event_id == event.event_id))
            await session.commit()

    async def member(self, owner_token: str, role: str) -> dict[str, Any]:
        """A team member with `role`, invited by the owner and accepted."""
        email = new_email(role)
        answer = await self.client.post(
            "/v1/account/users", json={"email": email, "role": role}, headers=bearer(owner_token)
        )
        assert answer.status_code == 201, answer.text
        (text,) = await self.mail_arrives(email, "")
        match = INVITATION.search(text)
        assert match is not None, text
        answer = await self.client.post(
            "/v1/auth/invitations/accept",
            json={"token": match.group(1), "password": PASSWORD, "name": role.title()},
        )
        assert answer.status_code in (200, 201), answer.text
        return {"email": email, **(await login(self.client, email)).json()}


@pytest.fixture(scope="module")
async def platform(
    auth_database: str, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    from shared.kafka import new_producer

    sink = SmtpSink(tmp_path_factory.mktemp("smtp-sink") / "Maildir").start()
    mailer = SmtpMailer(sink.url, "smsgw <no-reply@example.com>", timeout_seconds=10)
    start = auth_app_factory(auth_database, broker, tmp_path_factory.mktemp("notify-keys"))
    producer = new_producer(broker)
    await producer.start()
    try:
        async with start(mailer=mailer, consume=True, mail_send_interval_seconds=3600) as (
            app,
            client,
        ):
            # One operator for the module: each is made by the CLI, a process of its own.
            ops = await operator(client, auth_database)
            yield Platform(app, client, sink, producer, ops)
    finally:
        await producer.stop()
        sink.stop()


async def test_a_new_account_is_welcomed_once(platform: Platform) -> None:
    owner = await customer(platform.client)

    (text,) = await platform.mail_arrives(owner["email"], "Welcome")
    assert owner["company"] in (await platform.mail_to(owner["email"]))[0][0]
    assert "POST /v1/messages" in text


async def test_low_balance_reaches_the_money_people_once_and_no_other_tenant(
    platform: Platform,
) -> None:
    owner = await customer(platform.client)
    billing = await platform.member(owner["access_token"], "billing")
    developer = await platform.member(owner["access_token"], "developer")
    stranger = await customer(platform.client)
    event = BalanceLow(
        account_id=UUID(owner["account_id"]), balance="1.50", threshold="5.00", currency="EUR"
    )

    # Delivered twice (a relay retry), and once more after the inbox forgot it.
    await platform.publish(event)
    await platform.publish(event)
    await platform.handled(event)
    await platform.forget(event)
    await platform.publish(event)
    await platform.handled(event)

    (text,) = await platform.mail_arrives(owner["email"], "balance is low")
    assert "1.50 EUR" in text
    assert "5.00 EUR" in text
    assert len(await platform.mail_arrives(billing["email"], "balance is low")) == 1
    assert not [s for s, _ in await platform.mail_to(developer["email"]) if "balance" in s]
    assert not [s for s, _ in await platform.mail_to(stranger["email"]) if "balance" in s]


async def test_account_news_each_arrive_once(platform: Platform) -> None:
    owner = await customer(platform.client)
    account_id = UUID(owner["account_id"])
    disabled_at = utcnow() - timedelta(days=3)
    events: list[tuple[Event, str, str]] = [
        (
            InvoiceIssued(
                account_id=account_id,
                invoice_id=uuid4(),
                number="INV-2026-0042",
                total="120.00",
                currency="EUR",
            ),
            "INV-2026-0042",
            "120.00 EUR",
        ),
        (
            SenderNameDecided(
                account_id=account_id, sender_id=uuid4(), name="ACME", decision="approved"
            ),
            "ACME approved",
            "can use it now",
        ),
        (
            SenderNameDecided(
                account_id=account_id,
                sender_id=uuid4(),
                name="BANK",
                decision="rejected",
                reason="a protected brand",
            ),
            "BANK rejected",
            "a protected brand",
        ),
        (
            WebhookEndpointDisabled(
                account_id=account_id,
                endpoint_id=uuid4(),
                url="https://hooks.example.com/sms",
                failing_since=disabled_at,
                reason="HTTP 500 for 3 days",
            ),
            "webhook endpoint was disabled",
            "https://hooks.example.com/sms",
        ),
    ]
    for event, _, _ in events:
        await platform.publish(event)
        await platform.publish(event)

    for event, subject, detail in events:
        await platform.handled(event)
        (text,) = await platform.mail_arrives(owner["email"], subject)
        assert detail in text


async def test_suspension_and_block_are_mailed_with_their_reason(platform: Platform) -> None:
    owner = await customer(platform.client)
    admin = await platform.member(owner["access_token"], "admin")
    viewer = await platform.member(owner["access_token"], "viewer")
    ops = platform.ops
    path = f"/v1/ops/accounts/{owner['account_id']}"

    answer = await platform.client.post(
        f"{path}/suspend", json={"reason": "unpaid invoice 2026-11"}, headers=bearer(ops)
    )
    assert answer.status_code == 200, answer.text
    (text,) = await platform.mail_arrives(owner["email"], "is suspended")
    assert "unpaid invoice 2026-11" in text
    await platform.mail_arrives(admin["email"], "is suspended")

    await platform.client.post(f"{path}/reinstate", headers=bearer(ops))
    answer = await platform.client.post(
        f"{path}/block", json={"reason": "spam complaints"}, headers=bearer(ops)
    )
    assert answer.status_code == 200, answer.text
    (text,) = await platform.mail_arrives(owner["email"], "is blocked")
    assert "spam complaints" in text
    assert not [s for s, _ in await platform.mail_to(viewer["email"]) if "account" in s.lower()]

    # The same state event delivered again (a replay) tells nobody twice.
    replay = AccountStateChanged(
        account_id=UUID(owner["account_id"]), state="blocked", reason="spam complaints"
    )
    await platform.publish(replay)
    await platform.publish(replay)
    await platform.handled(replay)
    assert len(await platform.mail_arrives(owner["email"], "is blocked", count=2)) == 2


async def test_breach_notice_reaches_the_affected_owners_and_tracks_its_deadline(
    platform: Platform,
) -> None:
    affected, spared = await customer(platform.client), await customer(platform.client)
    ops = platform.ops
    detected = utcnow() - timedelta(hours=73)

    answer = await platform.client.post(
        "/v1/ops/breach-notices",
        json={
            "description": "A backup of delivery reports was readable by a contractor.",
            "affected_account_ids": [affected["account_id"]],
            "detected_at": detected.isoformat(),
        },
        headers=bearer(ops),
    )
    assert answer.status_code == 201, answer.text
    notice_id = answer.json()["id"]

    # Queued, not sent yet, and past the 72 hours: overdue.
    listed = await platform.client.get("/v1/ops/breach-notices", headers=bearer(ops))
    (shown,) = [item for item in listed.json()["items"] if item["id"] == notice_id]
    assert shown["deadline"].startswith((detected + timedelta(hours=72)).strftime("%Y-%m-%dT%H"))
    assert (shown["recipients"], shown["sent"], shown["pending"]) == (1, 0, 1)
    assert shown["overdue"] is True

    (text,) = await platform.mail_arrives(affected["email"], "data breach")
    assert "readable by a contractor" in text
    assert not [s for s, _ in await platform.mail_to(spared["email"]) if "breach" in s]
    listed = await platform.client.get("/v1/ops/breach-notices", headers=bearer(ops))
    (shown,) = [item for item in listed.json()["items"] if item["id"] == notice_id]
    assert (shown["sent"], shown["pending"], shown["overdue"]) == (1, 0, False)


@pytest.mark.parametrize(
    "body",
    [
        {"affected_account_ids": [str(uuid4())]},  # no account has it
        {"affected_account_ids": [str(uuid4())], "all": True},  # both
        {},  # neither
        {"all": True, "detected_at": (utcnow() + timedelta(hours=1)).isoformat()},  # future
    ],
)
async def test_a_bad_breach_notice_changes_nothing(
    platform: Platform, body: dict[str, Any]
) -> None:
    ops = platform.ops
    before = await platform.client.get("/v1/ops/breach-notices", headers=bearer(ops))
    payload = {"description": "x", "detected_at": utcnow().isoformat(), **body}

    answer = await platform.client.post("/v1/ops/breach-notices", json=payload, headers=bearer(ops))

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    after = await platform.client.get("/v1/ops/breach-notices", headers=bearer(ops))
    assert after.json() == before.json()


async def test_a_customer_may_not_send_breach_notices_or_announcements(
    platform: Platform,
) -> None:
    owner = await customer(platform.client)
    for path, body in (
        ("/v1/ops/breach-notices", {"all": True, "description": "x"}),
        ("/v1/ops/announcements", {"subject": "x", "text": "y"}),
    ):
        answer = await platform.client.post(path, json=body, headers=bearer(owner["access_token"]))
        assert answer.status_code == 403, answer.text


async def test_the_unsubscribe_link_stops_marketing_but_not_service_mail(
    platform: Platform,
) -> None:
    owner = await customer(platform.client)
    ops = platform.ops
    prefs = "/v1/account/notification-preferences"
    mine = bearer(owner["access_token"])
    assert (await platform.client.get(prefs, headers=mine)).json() == {"marketing": True}

    news = {"subject": "New: scheduled batches", "text": "Batches can now wait."}
    answer = await platform.client.post("/v1/ops/announcements", json=news, headers=bearer(ops))
    assert answer.status_code == 201, answer.text
    (text,) = await platform.mail_arrives(owner["email"], "scheduled batches")
    link = UNSUBSCRIBE.search(text)
    assert link is not None, text

    # The link goes through the gateway; here its path and query reach auth as they would.
    # Following it only asks (mail scanners fetch every link of a mail): nothing changes
    # until the page's button is pressed.
    url = httpx.URL(link.group(1))
    followed = await platform.client.get(url.path, params=url.params)
    assert followed.status_code == 200, followed.text
    assert followed.headers["content-type"].startswith("text/html")
    assert (await platform.client.get(prefs, headers=mine)).json() == {"marketing": True}
    form = re.search(r'<form method="post" action="([^"]+)"', followed.text)
    assert form is not None, followed.text
    target = url.join(html.unescape(form.group(1)))
    pressed = await platform.client.post(
        target.path,
        params=target.params,
        content=b"",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert pressed.status_code == 200, pressed.text
    assert (await platform.client.get(prefs, headers=mine)).json() == {"marketing": False}

    more = {"subject": "New: templates", "text": "Templates are here."}
    await platform.client.post("/v1/ops/announcements", json=more, headers=bearer(ops))
    service = {"subject": "Maintenance tonight", "text": "22:00 UTC", "marketing": False}
    await platform.client.post("/v1/ops/announcements", json=service, headers=bearer(ops))
    (text,) = await platform.mail_arrives(owner["email"], "Maintenance tonight")
    assert "Unsubscribe" not in text
    assert not [s for s, _ in await platform.mail_to(owner["email"]) if "templates" in s]

    # Turned back on by the user, product news comes again.
    answer = await platform.client.put(prefs, json={"marketing": True}, headers=mine)
    assert answer.status_code == 200, answer.text
    again = {"subject": "New: reports", "text": "Reports are here."}
    await platform.client.post("/v1/ops/announcements", json=again, headers=bearer(ops))
    await platform.mail_arrives(owner["email"], "New: reports")

    # The mail client's one-click button (RFC 8058): the header's link, POSTed as such.
    (message,) = [
        m
        for m in read_maildir(platform.sink.maildir)
        if m["To"] == owner["email"] and "reports" in str(m["Subject"])
    ]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = httpx.URL(str(message["List-Unsubscribe"]).strip("<>"))
    assert one_click.path == "/v1/public/mail-unsubscribe"
    clicked = await platform.client.post(
        one_click.path,
        params=one_click.params,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert clicked.status_code == 200, clicked.text
    assert (await platform.client.get(prefs, headers=mine)).json() == {"marketing": False}


@pytest.mark.parametrize("token", ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.e30.forged"])
async def test_a_forged_unsubscribe_link_is_refused(platform: Platform, token: str) -> None:
    answer = await platform.client.get("/v1/public/mail-unsubscribe", params={"token": token})

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_unsubscribe_token"


async def test_a_bad_preference_changes_nothing(platform: Platform) -> None:
    owner = await customer(platform.client)
    prefs, mine = "/v1/account/notification-preferences", bearer(owner["access_token"])
    await platform.client.put(prefs, json={"marketing": False}, headers=mine)

    for body in ({"marketing": "sometimes"}, {"marketing": True, "sms": False}, {}):
        answer = await platform.client.put(prefs, json=body, headers=mine)
        assert answer.status_code == 422, answer.text
    assert (await platform.client.get(prefs, headers=mine)).json() == {"marketing": False}


MAIL_SERIES = (
    "mail_sent_total",
    "mail_send_failures_total",
    "mail_retries_total",
    "mail_given_up_total",
    "mail_queue_pending",
    "mail_queue_oldest_age_seconds",
    "mail_queue_given_up",
)


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def delta(before: dict[str, float], name: str) -> float:
    return sample(name) - before[name]


class DownMailer:
    """An SMTP server that is down: counts the tries."""

    def __init__(self) -> None:
        self.tries = 0

    async def send(self, mail: Mail) -> None:
        self.tries += 1
        raise ConnectionRefusedError("smtp down")


async def test_mail_that_failed_waits_then_goes_and_the_notice_shows_it(
    platform: Platform,
) -> None:
    from sqlalchemy import update

    from auth_service.mail import metrics as mail_metrics
    from auth_service.mail.models import OutgoingMail
    from auth_service.mail.service import MAX_ATTEMPTS

    affected = await customer(platform.client)
    # The welcome comes from an event, so it may be queued at any moment: let it go first,
    # or the server that is down below would count it as a second try.
    await platform.mail_arrives(affected["email"], "Welcome")
    sender = platform.app.state.runtime.mail
    await sender.run_once()  # what earlier tests left queued goes first
    before = {name: sample(name) for name in MAIL_SERIES}
    queued_before = sample("notifications_queued_total", kind="breach_notice")
    answer = await platform.client.post(
        "/v1/ops/breach-notices",
        json={
            "description": "Logs held phone numbers in clear.",
            "affected_account_ids": [affected["account_id"]],
            "detected_at": utcnow().isoformat(),
        },
        headers=bearer(platform.ops),
    )
    assert answer.status_code == 201, answer.text
    notice_id = answer.json()["id"]

    async def progress() -> tuple[int, int]:
        listed = await platform.client.get("/v1/ops/breach-notices", headers=bearer(platform.ops))
        (shown,) = [item for item in listed.json()["items"] if item["id"] == notice_id]
        return shown["sent"], shown["pending"]

    working, down = sender.mailer, DownMailer()
    sender.mailer = down
    try:
        assert await sender.run_once() == 0
        assert await sender.run_once() == 0
    finally:
        sender.mailer = working
    # Tried once, then left to wait: the second pass did not hammer the server.
    assert down.tries == 1
    assert await progress() == (0, 1)
    assert await sender.run_once() == 0  # still waiting, though the server is back
    # What an operator's Prometheus sees of it: one notice queued, a failed attempt, a mail
    # waiting (measured by the periodic job, run here by hand).
    assert sample("notifications_queued_total", kind="breach_notice") == queued_before + 1
    assert delta(before, "mail_send_failures_total") == down.tries
    assert delta(before, "mail_sent_total") == 0
    await mail_metrics.measure(platform.app.state.runtime.sessionmaker, MAX_ATTEMPTS)
    waiting = sample("mail_queue_pending")
    assert waiting >= 1
    assert sample("mail_queue_oldest_age_seconds") > 0

    async with platform.app.state.runtime.sessionmaker() as session:
        await session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.sent_at.is_(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    (text,) = await platform.mail_arrives(affected["email"], "data breach")
    assert "phone numbers in clear" in text
    assert await progress() == (1, 0)
    # The second attempt was a retry, and it went out.
    assert delta(before, "mail_retries_total") == down.tries
    assert delta(before, "mail_sent_total") >= 1
    assert delta(before, "mail_given_up_total") == 0
    await mail_metrics.measure(platform.app.state.runtime.sessionmaker, MAX_ATTEMPTS)
    assert sample("mail_queue_pending") < waiting
    # Served on auth's /metrics, with no recipient, account or notice in any label.
    scraped = (await platform.client.get("/metrics")).text
    assert 'notifications_queued_total{kind="breach_notice"}' in scraped
    for series in MAIL_SERIES:
        assert re.search(rf"^{series} \d", scraped, re.M), series
    assert affected["email"] not in scraped
    assert affected["account_id"] not in scraped
    assert notice_id not in scraped


async def test_a_mail_that_fails_its_last_attempt_is_counted_as_given_up(
    platform: Platform,
) -> None:
    from sqlalchemy import update

    from auth_service.mail import metrics as mail_metrics
    from auth_service.mail.models import OutgoingMail
    from auth_service.mail.service import MAX_ATTEMPTS, queue

    sender = platform.app.state.runtime.mail
    await sender.run_once()  # nothing of earlier tests' left to fail with this one
    before = {name: sample(name) for name in MAIL_SERIES}
    address = new_email("given-up")
    async with platform.app.state.runtime.sessionmaker() as session:
        queue(session, Mail(address, "Last try", "text"))
        await session.commit()
    async with platform.app.state.runtime.sessionmaker() as session:
        await session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.recipient == address)
            .values(attempts=MAX_ATTEMPTS - 1)
        )
        await session.commit()
    working, down = sender.mailer, DownMailer()
    sender.mailer = down
    try:
        await sender.run_once()
    finally:
        sender.mailer = working
    assert down.tries == 1
    assert delta(before, "mail_given_up_total") == 1
    assert delta(before, "mail_retries_total") == 1
    await mail_metrics.measure(platform.app.state.runtime.sessionmaker, MAX_ATTEMPTS)
    assert sample("mail_queue_given_up") >= 1
    # Never tried again, even with the server back.
    assert await sender.run_once() == 0
    assert not await platform.mail_to(address)


async def test_news_too_old_to_be_news_is_not_mailed(platform: Platform) -> None:
    """A new consumer group reads compacted topics from their beginning: an account's
    suspension of last year must not be mailed today (AUTH_NOTIFICATIONS_MAX_AGE_HOURS)."""
    owner = await customer(platform.client)
    account_id = UUID(owner["account_id"])
    old = AccountStateChanged(
        account_id=account_id,
        state="suspended",
        reason="unpaid invoice 2025-11",
        occurred_at=utcnow() - timedelta(days=3),
    )
    recent = BalanceLow(account_id=account_id, balance="0.10", threshold="1.00", currency="EUR")

    await platform.publish(old)
    await platform.publish(recent)
    await platform.handled(old)
    await platform.handled(recent)

    await platform.mail_arrives(owner["email"], "balance is low")
    assert not [s for s, _ in await platform.mail_to(owner["email"]) if "suspended" in s]


async def test_every_person_chooses_for_themselves_and_no_api_key_does(
    platform: Platform,
) -> None:
    """The role matrix of the preferences (docs/roles.md: `account:read`, people only)."""
    owner = await customer(platform.client)
    prefs = "/v1/account/notification-preferences"
    people = [owner] + [
        await platform.member(owner["access_token"], role)
        for role in ("admin", "developer", "billing", "viewer")
    ]
    for person in people:
        mine = bearer(person["access_token"])
        answer = await platform.client.put(prefs, json={"marketing": False}, headers=mine)
        assert answer.status_code == 200, answer.text
    # Each changed only their own: the owner turning it back on leaves the others off.
    owners = bearer(owner["access_token"])
    await platform.client.put(prefs, json={"marketing": True}, headers=owners)
    assert [
        (await platform.client.get(prefs, headers=bearer(p["access_token"]))).json()["marketing"]
        for p in people
    ] == [True, False, False, False, False]

    created = await platform.client.post(
        "/v1/api-keys",
        json={"name": "everything", "scopes": ["*"]},
        headers=bearer(owner["access_token"]),
    )
    assert created.status_code == 201, created.text
    minted = await platform.client.post(
        "/internal/api-keys/token", headers=bearer(created.json()["secret"])
    )
    key_token = bearer(minted.json()["access_token"])
    for answer in (
        await platform.client.get(prefs, headers=key_token),
        await platform.client.put(prefs, json={"marketing": False}, headers=key_token),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "insufficient_scope"
