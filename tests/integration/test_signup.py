"""Sign-up policy against toll fraud (issue 7): under `verified` an account starts on trial
with no credit, its registering e-mail gets a one-time link, and billing grants the starter
credit once the link is followed; under `open` (make dev, benchmarks) as before.

auth runs on a real port (billing verifies its tokens by JWKS) with its mail in a Maildir of
the test's own; billing runs in-process on the same broker.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from shared.events import AccountEmailVerified, AccountRegistered, ChargeDeclined
from shared.mail import MaildirMailer, read_maildir
from tests.integration.auth_support import AuthApp
from tests.integration.test_auth_account_states import new_email, operator
from tests.integration.test_billing import (
    Billing,
    ChargeFeed,
    accepted,
    bearer,
    prepaid,
    publish,
)
from tests.support.apps import served_app
from tests.support.databases import Databases
from tests.support.inbox import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"
LINK = re.compile(r"http://localhost:5173/verify-email\?token=([A-Za-z0-9_-]+)")


@dataclass
class Auth:
    """The verified-policy auth: its app (to run the mail sender now), an HTTP client on
    its port, and the Maildir it "sends" to."""

    app: FastAPI
    client: httpx.AsyncClient
    url: str
    maildir: Path

    async def register(self, email: str, company: str = "Acme") -> httpx.Response:
        return await self.client.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "company_name": company},
        )

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        answer = await self.client.post(
            "/v1/auth/login", json={"email": email, "password": password}
        )
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def mail_to(self, email: str) -> list[tuple[str, str]]:
        """(subject, text) of every mail sent to `email`, oldest first, after sending what
        is queued."""
        await self.app.state.runtime.mail.run_once()
        return [
            (str(message["Subject"]), message.get_content())
            for message in read_maildir(self.maildir)
            if message["To"] == email
        ]

    async def links_to(self, email: str) -> list[str]:
        """The tokens of the verification links mailed to `email`, oldest first."""
        return [
            match.group(1)
            for _, text in await self.mail_to(email)
            if (match := LINK.search(text)) is not None
        ]

    async def verify(self, token: str) -> httpx.Response:
        return await self.client.post("/v1/auth/verify-email", json={"token": token})

    async def resend(self, email: str) -> httpx.Response:
        return await self.client.post("/v1/auth/verify-email/resend", json={"email": email})

    async def age_links(self, account_id: UUID, by: timedelta) -> None:
        """Moves the account's links back in time (as if sent and expiring `by` earlier)."""
        from auth_service.verification.models import EmailVerificationToken

        async with self.app.state.runtime.sessionmaker() as session:
            links = await session.scalars(
                select(EmailVerificationToken).where(
                    EmailVerificationToken.account_id == account_id
                )
            )
            for link in links:
                link.created_at -= by
                link.expires_at -= by
            await session.commit()


@pytest.fixture(scope="module")
async def verified_auth(
    auth_database: str, broker: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Auth]:
    from auth_service.config import AuthSettings
    from auth_service.main import create_app

    keys = tmp_path_factory.mktemp("signup-keys")
    maildir = tmp_path_factory.mktemp("signup-mail") / "Maildir"
    settings = AuthSettings(
        database_url=auth_database,
        kafka_bootstrap_servers=broker,
        dev_key_file=keys / "signing.pem",
        environment="test",
        login_rate_limit=0,
        register_rate_limit=0,
        resend_rate_limit=0,
        signup_policy="verified",
        # The tests send mail when they look for it; the periodic sender stays out of it.
        mail_send_interval_seconds=3600,
        # Its own groups: other auth apps of the run consume into other databases.
        consumer_group=f"auth-signup-{uuid4().hex[:8]}",
    )
    app = create_app(settings, mailer=MaildirMailer(maildir, "smsgw <no-reply@example.com>"))
    async with served_app(app) as url, httpx.AsyncClient(base_url=url, timeout=15) as client:
        yield Auth(app, client, url, maildir)


@pytest.fixture(scope="module")
async def billing(databases: Databases, broker: str, verified_auth: Auth) -> AsyncIterator[Billing]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app
    from tests.support.apps import running_app

    settings = BillingSettings(
        database_url=await databases.create("billing"),
        kafka_bootstrap_servers=broker,
        jwks_url=f"{verified_auth.url}/.well-known/jwks.json",
        starter_credit=Decimal("0.20"),
        price_per_part=Decimal("0.05"),
        environment="test",
        consumer_group=f"billing-signup-{uuid4().hex[:8]}",
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield Billing(client, app)


@pytest.fixture(scope="module")
async def producer(broker: str) -> AsyncIterator[AIOKafkaProducer]:
    from shared.kafka import new_producer

    kafka_producer = new_producer(broker)
    await kafka_producer.start()
    yield kafka_producer
    await kafka_producer.stop()


@pytest.fixture(scope="module")
async def charges(billing: Billing, broker: str) -> AsyncIterator[ChargeFeed]:
    from aiokafka import AIOKafkaConsumer

    from shared.events import ChargeEvent

    consumer = AIOKafkaConsumer(
        ChargeEvent.topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    yield ChargeFeed(consumer)
    await consumer.stop()


def claims(access_token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return decoded


async def handled(billing: Billing, event_id: UUID) -> None:
    """Waits until billing's inbox has taken the event (this module's consumer group)."""
    from billing_service.db import Inbox

    group = billing.app.state.runtime.settings.consumer_group

    async def taken() -> bool:
        async with billing.app.state.runtime.sessionmaker() as session:
            return await session.get(Inbox, (group, event_id)) is not None

    assert await eventually(taken, timeout=30, every=0.1)


async def billing_has_opened(billing: Billing, account_id: UUID) -> None:
    """Waits until billing has a balance for the account (its registration was handled)."""
    from billing_service.ledger.repository import LedgerRepository

    async def opened() -> bool:
        async with billing.app.state.runtime.sessionmaker() as session:
            return await LedgerRepository(session).balance(account_id) is not None

    # The session's topics hold every earlier test's events, which a new group reads first.
    assert await eventually(opened, timeout=120, every=0.1)


async def balance_reaches(billing: Billing, token: str, amount: str) -> None:
    async def reached() -> bool:
        return (await billing.balance(token))["balance"] == amount

    assert await eventually(reached, timeout=30, every=0.1), await billing.balance(token)


async def test_credit_waits_for_the_mailed_link_and_comes_once(
    verified_auth: Auth, billing: Billing, charges: ChargeFeed, producer: AIOKafkaProducer
) -> None:
    email = new_email("verify")
    registered = await verified_auth.register(email)
    assert registered.status_code == 202, registered.text
    tokens = await verified_auth.login(email)
    account_id = UUID(tokens["account_id"])

    (link,) = await verified_auth.links_to(email)
    assert claims(tokens["access_token"])["trial"] is True
    profile = await verified_auth.client.get("/v1/account", headers=bearer(tokens["access_token"]))
    assert (profile.json()["email_verified"], profile.json()["trial"]) == (False, True)

    # Registered at billing, with nothing to spend: a message is declined.
    await billing_has_opened(billing, account_id)
    message = accepted(account_id, segments=1)
    await publish(producer, message)
    declined = await charges.first(message.message_id)
    assert isinstance(declined, ChargeDeclined)
    assert declined.code == "insufficient_funds"
    assert await billing.balance(tokens["access_token"]) == prepaid("0.00")

    verified = await verified_auth.verify(link)
    assert verified.status_code == 200, verified.text
    await balance_reaches(billing, tokens["access_token"], "0.20")

    # The same facts told again, as new events: still one credit.
    again = AccountEmailVerified(account_id=account_id)
    late = AccountRegistered(account_id=account_id, email=email, company_name="Acme")
    await publish(producer, again)
    await publish(producer, late)
    await handled(billing, again.event_id)
    await handled(billing, late.event_id)
    assert await billing.balance(tokens["access_token"]) == prepaid("0.20")
    kinds = [entry["kind"] for entry in await billing.transactions(tokens["access_token"])]
    assert kinds == ["starter_credit"]

    # Verified, audited, still on trial until the platform lifts it.
    profile = await verified_auth.client.get("/v1/account", headers=bearer(tokens["access_token"]))
    assert (profile.json()["email_verified"], profile.json()["trial"]) == (True, True)
    log = await verified_auth.client.get(
        "/v1/account/audit-log", headers=bearer(tokens["access_token"])
    )
    assert "account.email_verified" in [item["action"] for item in log.json()["items"]]

    # Welcomed once the address is proven, and once only, however often it is told.
    await notifications_handled(verified_auth, again.event_id)
    await notifications_handled(verified_auth, late.event_id)
    subjects = [subject for subject, _ in await verified_auth.mail_to(email)]
    assert [subject for subject in subjects if subject.startswith("Welcome")] == [
        "Welcome to SMS Gateway, Acme"
    ]


async def notifications_handled(auth: Auth, event_id: UUID) -> None:
    """Waits until auth's notifications consumer has taken the event."""
    from auth_service.db import Inbox

    group = f"{auth.app.state.settings.consumer_group}-notifications"

    async def taken() -> bool:
        async with auth.app.state.runtime.sessionmaker() as session:
            return await session.get(Inbox, (group, event_id)) is not None

    assert await eventually(taken, timeout=30, every=0.1)


async def test_verification_before_the_registration_still_credits_once(
    billing: Billing, producer: AIOKafkaProducer
) -> None:
    from billing_service.ledger.repository import LedgerRepository

    # Different keys, so different partitions: billing may see them in either order.
    account_id = uuid4()
    first = AccountEmailVerified(account_id=account_id)
    then = AccountRegistered(
        account_id=account_id,
        email="early@example.com",
        company_name="Early Ltd",
        email_verified=False,
        trial=True,
    )
    await publish(producer, first)
    await handled(billing, first.event_id)
    await publish(producer, then)
    await handled(billing, then.event_id)

    async with billing.app.state.runtime.sessionmaker() as session:
        state = await LedgerRepository(session).balance(account_id)
        assert state is not None
        assert (state.amount_units, state.currency) == (2000, "EUR")


async def test_a_link_works_once_and_not_after_it_expires(verified_auth: Auth) -> None:
    used, expired = new_email("used"), new_email("expired")
    for email in (used, expired):
        assert (await verified_auth.register(email)).status_code == 202
    (used_link,) = await verified_auth.links_to(used)
    (expired_link,) = await verified_auth.links_to(expired)
    expired_account = UUID((await verified_auth.login(expired))["account_id"])

    assert (await verified_auth.verify(used_link)).status_code == 200
    again = await verified_auth.verify(used_link)
    await verified_auth.age_links(expired_account, timedelta(hours=48, seconds=1))
    late = await verified_auth.verify(expired_link)
    unknown = await verified_auth.verify("not-a-token-we-sent")

    for refused in (again, late, unknown):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "verification_token_invalid"
    tokens = await verified_auth.login(expired)
    profile = await verified_auth.client.get("/v1/account", headers=bearer(tokens["access_token"]))
    assert profile.json()["email_verified"] is False


async def test_a_taken_address_answers_the_same_and_tells_its_owner(verified_auth: Auth) -> None:
    email = new_email("taken")
    first = await verified_auth.register(email, "First Ltd")
    second = await verified_auth.client.post(
        "/v1/auth/register",
        json={"email": email, "password": "another long password", "company_name": "Second"},
    )

    assert (first.status_code, first.json()) == (second.status_code, second.json())
    subjects = [subject for subject, _ in await verified_auth.mail_to(email)]
    assert subjects == [
        "Confirm your e-mail address",
        "Someone tried to sign up with your address",
    ]
    assert len(await verified_auth.links_to(email)) == 1
    await verified_auth.login(email)  # the first password still works


async def test_resend_sends_a_new_link_at_most_once_a_minute(verified_auth: Auth) -> None:
    email = new_email("resend")
    assert (await verified_auth.register(email)).status_code == 202
    account_id = UUID((await verified_auth.login(email))["account_id"])
    (first_link,) = await verified_auth.links_to(email)

    soon = await verified_auth.resend(email)
    assert soon.status_code == 202, soon.text
    assert await verified_auth.links_to(email) == [first_link]

    await verified_auth.age_links(account_id, timedelta(minutes=1))
    later = await verified_auth.resend(email)
    assert later.json() == soon.json()
    links = await verified_auth.links_to(email)
    assert len(links) == 2
    assert (await verified_auth.verify(first_link)).status_code == 422, "replaced"
    assert (await verified_auth.verify(links[1])).status_code == 200

    # Verified, or unknown: the same answer, and no mail.
    await verified_auth.age_links(account_id, timedelta(minutes=1))
    for address in (email, new_email("nobody")):
        answer = await verified_auth.resend(address)
        assert (answer.status_code, answer.json()) == (202, soon.json())
        assert len(await verified_auth.links_to(address)) == (2 if address == email else 0)


async def test_resend_is_limited_per_client_address(auth_app: AuthApp) -> None:
    async with auth_app(signup_policy="verified", resend_rate_limit=2) as (_, client):
        answers = [
            await client.post("/v1/auth/verify-email/resend", json={"email": new_email()})
            for _ in range(3)
        ]
    assert [answer.status_code for answer in answers] == [202, 202, 429]
    assert answers[2].json()["code"] == "rate_limited"


async def test_an_operator_ends_a_trial_once_and_it_is_audited(
    verified_auth: Auth, auth_database: str
) -> None:
    email = new_email("trial")
    assert (await verified_auth.register(email)).status_code == 202
    owner = await verified_auth.login(email)
    account_id = owner["account_id"]
    ops = await operator(verified_auth.client, auth_database)
    listed = await verified_auth.client.get(
        "/v1/ops/accounts", params={"query": account_id}, headers=bearer(ops)
    )
    assert [(a["trial"], a["email_verified"]) for a in listed.json()["items"]] == [(True, False)]

    refused = await verified_auth.client.post(
        f"/v1/ops/accounts/{account_id}/end-trial", headers=bearer(owner["access_token"])
    )
    ended = await verified_auth.client.post(
        f"/v1/ops/accounts/{account_id}/end-trial", headers=bearer(ops)
    )
    again = await verified_auth.client.post(
        f"/v1/ops/accounts/{account_id}/end-trial", headers=bearer(ops)
    )

    assert refused.status_code == 403
    assert ended.status_code == 200, ended.text
    assert ended.json()["trial"] is False
    assert again.status_code == 409
    assert again.json()["code"] == "not_on_trial"
    refreshed = await verified_auth.client.post(
        "/v1/auth/refresh", json={"refresh_token": owner["refresh_token"]}
    )
    assert "trial" not in claims(refreshed.json()["access_token"])
    log = await verified_auth.client.get(
        "/v1/account/audit-log", headers=bearer(refreshed.json()["access_token"])
    )
    trial_records = [i for i in log.json()["items"] if i["action"] == "account.trial_ended"]
    assert [record["actor_type"] for record in trial_records] == ["operator"]


async def test_a_first_card_payment_lifts_the_trial(
    verified_auth: Auth, billing: Billing, auth_database: str
) -> None:
    email = new_email("payer")
    assert (await verified_auth.register(email)).status_code == 202
    owner = await verified_auth.login(email)
    account_id = UUID(owner["account_id"])
    await billing_has_opened(billing, account_id)
    ops = await operator(verified_auth.client, auth_database)

    async def on_trial() -> bool:
        listed = await verified_auth.client.get(
            "/v1/ops/accounts", params={"query": str(account_id)}, headers=bearer(ops)
        )
        trial: bool = listed.json()["items"][0]["trial"]
        return trial

    assert await on_trial()
    top_up = await billing.client.post(
        "/v1/billing/top-ups", json={"amount": "20.00"}, headers=bearer(owner["access_token"])
    )
    assert top_up.status_code == 201, top_up.text
    sandbox = billing.app.state.payment_providers["test"]
    body, headers = sandbox.signed_notice(UUID(top_up.json()["id"]), "succeeded", 242_000, "EUR")
    paid = await billing.client.post(
        "/v1/billing/providers/test/webhook", content=body, headers=headers
    )
    assert paid.status_code == 200, paid.text

    async def lifted() -> bool:
        return not await on_trial()

    assert await eventually(lifted, timeout=30, every=0.2), "billing.payment_received unheard"
    log = await verified_auth.client.get(
        "/v1/account/audit-log", headers=bearer(owner["access_token"])
    )
    trial_records = [i for i in log.json()["items"] if i["action"] == "account.trial_ended"]
    assert [(r["actor_type"], r["details"]) for r in trial_records] == [
        ("system", {"lifted_by": "payment"})
    ]


async def test_refreshed_and_api_key_tokens_carry_the_trial(verified_auth: Auth) -> None:
    email = new_email("keys")
    assert (await verified_auth.register(email)).status_code == 202
    owner = await verified_auth.login(email)
    refreshed = await verified_auth.client.post(
        "/v1/auth/refresh", json={"refresh_token": owner["refresh_token"]}
    )
    created = await verified_auth.client.post(
        "/v1/api-keys",
        json={"name": "trial", "scopes": ["messages:send"]},
        headers=bearer(owner["access_token"]),
    )
    assert created.status_code == 201, created.text
    key_token = await verified_auth.client.post(
        "/internal/api-keys/token", headers=bearer(created.json()["secret"])
    )

    assert claims(refreshed.json()["access_token"])["trial"] is True
    assert claims(key_token.json()["access_token"])["trial"] is True


async def test_open_sign_up_is_verified_at_once_without_a_trial(
    auth_app: AuthApp, tmp_path: Path
) -> None:
    maildir = tmp_path / "Maildir"
    mailer = MaildirMailer(maildir, "smsgw <no-reply@example.com>")
    email = new_email("open")
    async with auth_app(mailer=mailer) as (app, client):
        registered = await client.post(
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "company_name": "Open Ltd"},
        )
        login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        token = login.json()["access_token"]
        profile = await client.get("/v1/account", headers=bearer(token))
        await app.state.runtime.mail.run_once()

    assert registered.status_code == 202
    assert "trial" not in claims(token)
    assert (profile.json()["email_verified"], profile.json()["trial"]) == (True, False)
    # No confirmation link (a welcome may come: auth's notifications greet a ready account).
    mailed = [message.get_content() for message in read_maildir(maildir) if message["To"] == email]
    assert [text for text in mailed if LINK.search(text)] == []


async def test_the_verification_routes_are_public_at_the_gateway() -> None:
    from gateway.routes import is_public, resolve

    for path in ("/v1/auth/verify-email", "/v1/auth/verify-email/resend"):
        assert resolve(path) == "auth"
        assert is_public("POST", path)
    assert not is_public("POST", f"/v1/ops/accounts/{uuid4()}/end-trial")
