"""auth against PostgreSQL and the broker: accounts, tokens, and the event billing relies on."""

import asyncio

import httpx
import jwt
import pytest

from shared.events import AccountRegistered, parse_event
from shared.kafka import new_consumer
from shared.security import JwksCache, TokenVerifier
from tests.support.apps import AuthClient

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_register_login_and_verify_token(auth_service: AuthClient) -> None:
    account_id, token = await auth_service.new_account("Verify Ltd")

    verifier = TokenVerifier(JwksCache(auth_service.jwks_url), "smsgw-auth", "smsgw")
    principal = await verifier.verify(token)

    assert principal.account_id == account_id
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


async def test_register_answers_the_same_for_a_taken_email(auth_service: AuthClient) -> None:
    body = {"email": "dup@example.com", "password": "long enough pw", "company_name": "Dup"}
    async with httpx.AsyncClient(base_url=auth_service.base_url) as client:
        first = await client.post("/v1/auth/register", json=body)
        second = await client.post(
            "/v1/auth/register",
            json={**body, "email": "DUP@example.com", "password": "another long pw"},
        )
        original = await client.post(
            "/v1/auth/login", json={"email": "dup@example.com", "password": "long enough pw"}
        )
        replaced = await client.post(
            "/v1/auth/login", json={"email": "dup@example.com", "password": "another long pw"}
        )

    assert first.status_code == second.status_code == 202
    assert first.headers["content-type"] == second.headers["content-type"]
    assert first.json() == second.json()
    assert "account_id" not in first.json()
    # Nothing about the existing account changed, and no second one was opened.
    assert original.status_code == 200
    assert replaced.status_code == 401


async def test_wrong_password_and_bad_input_are_problems(auth_service: AuthClient) -> None:
    await auth_service.new_account()
    async with httpx.AsyncClient(base_url=auth_service.base_url) as client:
        wrong = await client.post(
            "/v1/auth/login", json={"email": "nobody@example.com", "password": "whatever"}
        )
        invalid = await client.post(
            "/v1/auth/register", json={"email": "not-an-email", "password": "x", "company_name": ""}
        )

    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "validation_error"
    assert {tuple(e["location"]) for e in invalid.json()["errors"]} >= {
        ("body", "email"),
        ("body", "company_name"),
    }


async def test_tampered_token_is_refused(auth_service: AuthClient) -> None:
    _, token = await auth_service.new_account()
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    verifier = TokenVerifier(JwksCache(auth_service.jwks_url), "smsgw-auth", "smsgw")

    with pytest.raises(Exception, match="Invalid or expired token"):
        await verifier.verify(forged)


async def test_registration_publishes_account_registered(
    auth_service: AuthClient, broker: str
) -> None:
    account_id, _ = await auth_service.new_account("Evented GmbH")

    consumer = new_consumer(broker, "test-auth-events", AccountRegistered.topic)
    await consumer.start()
    try:
        seen: list[AccountRegistered] = []
        async with asyncio.timeout(20):
            while account_id not in [event.account_id for event in seen]:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        event = parse_event(record.value)
                        # The topic carries account state changes too (other tests').
                        if isinstance(event, AccountRegistered):
                            seen.append(event)
    finally:
        await consumer.stop()
    (mine,) = [event for event in seen if event.account_id == account_id]
    # Sign-up policy `open` (the test platform's): verified at once, no trial.
    assert (mine.email_verified, mine.trial) == (True, False)
