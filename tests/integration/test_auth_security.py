"""auth's answers to the security review of issue 7, against PostgreSQL and the broker:
limits per client IP before any hash, a bounded number of hashes at once, no account
enumeration by register, weak passwords, no-store tokens, and previous/current/next keys."""

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from auth_service.accounts.passwords import Passwords, default_max_concurrent_hashes
from auth_service.config import AuthSettings
from auth_service.keys.keyring import KeyFiles, generate_pem, private_key
from auth_service.main import create_app
from tests.support.apps import running_app, served_app
from tests.support.databases import ROOT, Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "a long enough password"

AuthApp = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture(scope="module")
async def auth_database(databases: Databases) -> str:
    return await databases.create("auth")


@pytest.fixture
def auth_app(auth_database: str, broker: str, tmp_path: Path) -> AuthApp:
    """Starts auth on this module's database with the given settings; yields (app, client)."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        settings = AuthSettings(
            **{
                "database_url": auth_database,
                "kafka_bootstrap_servers": broker,
                "dev_key_file": tmp_path / "keys" / "signing.pem",
                "environment": "test",
                **overrides,
            }
        )
        app = create_app(settings)
        async with running_app(app) as client:
            yield app, client

    return start


def new_email() -> str:
    return f"sec-{os.urandom(6).hex()}@example.com"


class CountingHasher:
    """Wraps argon2's hasher: counts calls and the most that ever ran at once."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._lock = threading.Lock()
        self.calls = 0
        self.running = 0
        self.peak = 0

    def _counted(self, work: Callable[[], Any]) -> Any:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(0.05)  # so that unbounded hashes would surely overlap
            return work()
        finally:
            with self._lock:
                self.running -= 1

    def hash(self, password: str) -> str:
        return str(self._counted(lambda: self._real.hash(password)))

    def verify(self, password_hash: str, password: str) -> bool:
        return bool(self._counted(lambda: self._real.verify(password_hash, password)))


def count_hashes(app: FastAPI) -> CountingHasher:
    passwords: Passwords = app.state.passwords
    counting = CountingHasher(passwords._hasher)
    passwords._hasher = counting  # type: ignore[assignment]
    return counting


def assert_rate_limited(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Reset"]) >= 1


# --- limits per client IP, before hashing ------------------------------------------------


async def test_login_is_limited_per_client_ip_before_any_password_is_hashed(
    auth_app: AuthApp,
) -> None:
    async with auth_app(login_rate_limit=3, login_rate_period_seconds=600) as (app, client):
        hashes = count_hashes(app)
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        attempts = [
            await client.post(
                "/v1/auth/login",
                json={"email": new_email(), "password": "guess number one"},
                headers=attacker,
            )
            for _ in range(5)
        ]
        hashed_before_refusal = hashes.calls
        other = await client.post(
            "/v1/auth/login",
            json={"email": new_email(), "password": "guess number one"},
            headers={"X-Forwarded-For": "198.51.100.20"},
        )

    assert [r.status_code for r in attempts] == [401, 401, 401, 429, 429]
    assert attempts[0].headers["RateLimit-Remaining"] == "2"
    assert_rate_limited(attempts[3], limit=3)
    assert hashed_before_refusal == 3  # the refused attempts cost no hash
    assert other.status_code == 401  # another client still gets its own allowance


async def test_register_is_limited_per_client_ip(auth_app: AuthApp) -> None:
    async with auth_app(register_rate_limit=2, register_rate_period_seconds=3600) as (_, client):
        emails = [new_email() for _ in range(3)]
        sign_up = {"X-Forwarded-For": "203.0.113.10"}
        answers = [
            await client.post(
                "/v1/auth/register",
                json={"email": email, "password": PASSWORD, "company_name": "Flood"},
                headers=sign_up,
            )
            for email in emails
        ]
        refused_login = await client.post(
            "/v1/auth/login", json={"email": emails[2], "password": PASSWORD}
        )

    assert [r.status_code for r in answers] == [202, 202, 429]
    assert_rate_limited(answers[2], limit=2)
    assert refused_login.status_code == 401  # the refused sign-up opened nothing


async def test_a_peer_that_is_not_a_trusted_proxy_cannot_choose_its_key(
    auth_app: AuthApp,
) -> None:
    # The test client's peer is 127.0.0.1; here only 10.0.0.0/8 may forward.
    async with auth_app(
        login_rate_limit=2, login_rate_period_seconds=600, trusted_proxies="10.0.0.0/8"
    ) as (_, client):
        answers = [
            await client.post(
                "/v1/auth/login",
                json={"email": new_email(), "password": "guess number one"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            for n in range(3)
        ]

    assert [r.status_code for r in answers] == [401, 401, 429]


async def test_through_the_gateway_each_client_it_reports_is_limited_apart(
    auth_database: str, broker: str, tmp_path: Path
) -> None:
    """auth keys on the client the gateway reports (the rightmost X-Forwarded-For entry) and
    the 429 with its headers comes back through the proxy. Here every client is on
    127.0.0.1, which the gateway's uvicorn trusts to name the client in X-Forwarded-For;
    that is how the test makes two clients."""
    from gateway.config import GatewaySettings
    from gateway.main import create_app as gateway_app

    settings = AuthSettings(
        database_url=auth_database,
        kafka_bootstrap_servers=broker,
        dev_key_file=tmp_path / "signing.pem",
        environment="test",
        login_rate_limit=2,
        login_rate_period_seconds=600,
    )

    async def attempt(client: httpx.AsyncClient, ip: str) -> httpx.Response:
        return await client.post(
            "/v1/auth/login",
            json={"email": new_email(), "password": "guess number one"},
            headers={"X-Forwarded-For": ip},
        )

    async with (
        served_app(create_app(settings)) as auth_url,
        served_app(gateway_app(GatewaySettings(auth_url=auth_url))) as gateway_url,
        httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
    ):
        first = [await attempt(client, "198.51.100.1") for _ in range(3)]
        second = await attempt(client, "198.51.100.2")

    assert [r.status_code for r in first] == [401, 401, 429]
    assert_rate_limited(first[2], limit=2)
    assert second.status_code == 401
    assert second.headers["RateLimit-Remaining"] == "1"


# --- a bounded number of hashes at once --------------------------------------------------


async def test_concurrent_logins_hash_at_most_the_configured_number_at_once(
    auth_app: AuthApp,
) -> None:
    async with auth_app(max_concurrent_hashes=2, login_rate_limit=0) as (app, client):
        hashes = count_hashes(app)
        answers = await asyncio.gather(
            *(
                client.post(
                    "/v1/auth/login", json={"email": new_email(), "password": "any password"}
                )
                for _ in range(6)
            )
        )

    assert [r.status_code for r in answers] == [401] * 6  # each still answered
    assert hashes.calls == 6
    assert hashes.peak <= 2


async def test_the_default_number_of_concurrent_hashes_fits_the_memory() -> None:
    assert 2 <= default_max_concurrent_hashes() <= 4
    assert Passwords(None).max_concurrent == default_max_concurrent_hashes()
    assert Passwords(3).max_concurrent == 3


# --- register reveals nothing; weak passwords ---------------------------------------------


async def test_register_answers_alike_for_new_and_taken_emails_and_changes_nothing(
    auth_app: AuthApp,
) -> None:
    email = new_email()
    async with auth_app(register_rate_limit=0, login_rate_limit=0) as (_, client):
        new = await client.post(
            "/v1/auth/register", json={"email": email, "password": PASSWORD, "company_name": "A"}
        )
        taken = await client.post(
            "/v1/auth/register",
            json={"email": email.upper(), "password": "some other password", "company_name": "B"},
        )
        login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        hijack = await client.post(
            "/v1/auth/login", json={"email": email, "password": "some other password"}
        )

    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json()
    assert set(new.json()) == {"email", "status", "detail"}
    assert login.status_code == 200
    assert hijack.status_code == 401


async def test_concurrent_registrations_of_one_email_all_answer_alike(
    auth_app: AuthApp,
) -> None:
    email = new_email()
    async with auth_app(register_rate_limit=0) as (_, client):
        answers = await asyncio.gather(
            *(
                client.post(
                    "/v1/auth/register",
                    json={"email": email, "password": f"{PASSWORD} {n}", "company_name": "Race"},
                )
                for n in range(4)
            )
        )

    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1


@pytest.mark.parametrize(
    ("password", "why"),
    [
        pytest.param("short pw", "at least 12", id="too-short"),
        pytest.param("", "at least 12", id="empty"),
        pytest.param("elevenchars", "at least 12", id="eleven"),
        pytest.param("password1234", "common", id="common"),
        pytest.param("QwertyUiop123", "common", id="common-any-case"),
        pytest.param("iloveyou2024", "common", id="common-with-year"),
    ],
)
async def test_weak_passwords_are_refused_and_open_nothing(
    auth_app: AuthApp, password: str, why: str
) -> None:
    email = new_email()
    async with auth_app(register_rate_limit=0, login_rate_limit=0) as (_, client):
        answer = await client.post(
            "/v1/auth/register",
            json={"email": email, "password": password, "company_name": "Weak"},
        )
        login = await client.post("/v1/auth/login", json={"email": email, "password": password})

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "weak_password"
    assert why in body["detail"]
    assert body["errors"][0]["location"] == ["body", "password"]
    assert login.status_code in (401, 422)  # no account with that password (422: empty)


# --- tokens are never cached --------------------------------------------------------------


async def test_token_responses_are_not_stored(auth_app: AuthApp) -> None:
    email = new_email()
    async with auth_app(register_rate_limit=0, login_rate_limit=0) as (_, client):
        await client.post(
            "/v1/auth/register", json={"email": email, "password": PASSWORD, "company_name": "C"}
        )
        login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})

    assert login.status_code == 200
    assert login.headers["Cache-Control"] == "no-store"
    assert login.headers["Pragma"] == "no-cache"
    assert login.json()["account_id"]


# --- previous, current and next keys ------------------------------------------------------


def verify(jwks: dict[str, Any], token: str) -> dict[str, Any]:
    """What any verifier does: pick the published key by the token's kid."""
    keys = {jwk["kid"]: jwt.PyJWK(jwk).key for jwk in jwks["keys"]}
    kid = jwt.get_unverified_header(token)["kid"]
    claims: dict[str, Any] = jwt.decode(
        token, keys[kid], algorithms=["RS256"], audience="smsgw", issuer="smsgw-auth"
    )
    return claims


async def _token(client: httpx.AsyncClient, email: str) -> str:
    login = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    login.raise_for_status()
    return str(login.json()["access_token"])


def rotate(key_file: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "auth_service.keys", "rotate", "--key-file", str(key_file)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'services' / 'auth'}"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


async def test_rotation_keeps_old_tokens_valid_and_new_ones_were_announced(
    auth_app: AuthApp, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "signing.pem"
    email = new_email()
    async with auth_app(dev_key_file=key_file, login_rate_limit=0, register_rate_limit=0) as (
        _,
        client,
    ):
        await client.post(
            "/v1/auth/register", json={"email": email, "password": PASSWORD, "company_name": "K"}
        )
        before = (await client.get("/.well-known/jwks.json")).json()
        old_token = await _token(client, email)

    printed = rotate(key_file)

    async with auth_app(dev_key_file=key_file, login_rate_limit=0) as (_, client):
        after = (await client.get("/.well-known/jwks.json")).json()
        new_token = await _token(client, email)

    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert len(before["keys"]) == 2  # current and next; no previous before the first rotation
    assert len(after["keys"]) == 3
    assert new_kid != old_kid
    assert f"previous {old_kid}" in printed
    assert f"current  {new_kid}" in printed
    # A verifier that cached the keys before the rotation already knows the new signer...
    assert verify(before, new_token)["sub"]
    # ...and tokens signed before it still verify until they expire.
    assert verify(after, old_token)["sub"]
    assert {jwk["use"] for jwk in after["keys"]} == {"sig"}
    assert {jwk["alg"] for jwk in after["keys"]} == {"RS256"}


async def test_keys_from_settings_publish_previous_current_and_next(auth_app: AuthApp) -> None:
    current, upcoming, retired = generate_pem(), generate_pem(), generate_pem()
    retired_public = (
        private_key(retired)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    async with auth_app(
        private_key_pem=current.decode(),
        next_private_key_pem=upcoming.decode(),
        previous_key_pem=retired_public.decode(),
    ) as (app, client):
        jwks = (await client.get("/.well-known/jwks.json")).json()
        signing_kid = app.state.token_issuer.kid

    assert len({jwk["kid"] for jwk in jwks["keys"]}) == 3
    assert signing_kid in {jwk["kid"] for jwk in jwks["keys"]}
    assert all("d" not in jwk for jwk in jwks["keys"])  # public halves only


async def test_rotating_without_a_next_key_still_leaves_a_full_keyring(tmp_path: Path) -> None:
    files = KeyFiles(tmp_path / "signing.pem")
    files.current.write_bytes(generate_pem())

    printed = rotate(files.current)

    assert files.next.exists()
    # The retired key never signs again, so only its public half is kept.
    assert files.previous.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert "previous" in printed


# --- documented --------------------------------------------------------------------------


async def test_openapi_documents_rate_limited_and_weak_password(auth_app: AuthApp) -> None:
    async with auth_app() as (_, client):
        paths = (await client.get("/openapi.json")).json()["paths"]

    register = paths["/v1/auth/register"]["post"]["responses"]
    login = paths["/v1/auth/login"]["post"]["responses"]
    assert "202" in register
    assert "409" not in register
    assert "weak_password" in register["422"]["description"]
    for responses in (register, login):
        assert "rate_limited" in responses["429"]["description"]
        assert "Retry-After" in responses["429"]["headers"]
        assert list(responses["429"]["content"]) == ["application/problem+json"]
