"""auth's keys as every verifier caches them: rotation, retirement and outages, driven by a
clock the test moves and a JWKS the test edits, so no test waits for a timer."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared import security
from shared.errors import ProblemError
from shared.security import JwksCache, Principal, TokenVerifier

ISSUER, AUDIENCE = "smsgw-auth", "smsgw"
REFRESH, MIN_REFRESH, MAX_AGE = 300.0, 10.0, 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Auth:
    """A JWKS endpoint whose published keys and availability the test controls."""

    def __init__(self) -> None:
        self.published: dict[str, dict[str, Any]] = {}
        self.fetches = 0
        self.down = False
        self.answering = asyncio.Event()
        self.answering.set()

    def new_key(self, kid: str) -> rsa.RSAPrivateKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published[kid] = {
            **json.loads(RSAAlgorithm.to_jwk(key.public_key())),
            "kid": kid,
            "use": "sig",
            "alg": "RS256",
        }
        return key

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        await self.answering.wait()
        if self.down:
            raise httpx.ConnectError("auth is down", request=request)
        return httpx.Response(200, json={"keys": list(self.published.values())})


@pytest.fixture
def auth() -> Auth:
    return Auth()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(auth: Auth, clock: Clock) -> TokenVerifier:
    keys = JwksCache(
        "http://auth/.well-known/jwks.json",
        min_refresh_seconds=MIN_REFRESH,
        refresh_seconds=REFRESH,
        max_age_seconds=MAX_AGE,
        clock=clock,
        transport=httpx.MockTransport(auth.handle),
    )
    return TokenVerifier(keys, ISSUER, AUDIENCE)


def token(key: Any, kid: str, **claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user",
        "account_id": str(uuid.uuid4()),
        "role": "owner",
        "iat": now,
        "exp": now + timedelta(minutes=15),
        **claims,
    }
    return jwt.encode(payload, key, "RS256", headers={"kid": kid})


async def refused(verifier: TokenVerifier, bearer: str) -> ProblemError:
    with pytest.raises(ProblemError) as raised:
        await verifier.verify(bearer)
    return raised.value


async def test_a_key_removed_from_the_jwks_stops_being_accepted_at_the_next_refresh(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    retired = auth.new_key("2026-11")
    auth.new_key("2026-12")
    old_token = token(retired, "2026-11")
    assert isinstance(await verifier.verify(old_token), Principal)

    del auth.published["2026-11"]
    clock.advance(REFRESH - 1)
    assert isinstance(await verifier.verify(old_token), Principal)  # not re-fetched yet
    clock.advance(1)

    problem = await refused(verifier, old_token)
    assert (problem.status, problem.code) == (401, "unauthorized")
    assert auth.fetches == 2


async def test_a_key_published_by_a_rotation_is_accepted_at_once(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    current = auth.new_key("current")
    await verifier.verify(token(current, "current"))
    clock.advance(MIN_REFRESH)

    following = auth.new_key("next")

    assert isinstance(await verifier.verify(token(following, "next")), Principal)
    assert auth.fetches == 2


async def test_unknown_kids_refetch_at_most_once_per_interval(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    key = auth.new_key("real")
    await verifier.verify(token(key, "real"))

    for n in range(20):
        problem = await refused(verifier, token(key, f"forged-{n}"))
        assert (problem.status, problem.code) == (401, "unauthorized")
    assert auth.fetches == 1  # fetched at start; forged kids within the interval: nothing

    clock.advance(MIN_REFRESH)
    await refused(verifier, token(key, "forged-late"))
    await refused(verifier, token(key, "forged-later"))
    assert auth.fetches == 2


async def test_an_unreachable_auth_leaves_the_keys_in_use_until_their_max_age(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    key = auth.new_key("real")
    await verifier.verify(token(key, "real"))
    auth.down = True

    clock.advance(REFRESH)
    assert isinstance(await verifier.verify(token(key, "real")), Principal)
    assert await verifier.keys.ready()
    clock.advance(MAX_AGE - REFRESH)

    # A key set never lives forever: without a fresh one no token can be checked, which
    # is our outage (503), not the client's fault.
    problem = await refused(verifier, token(key, "real"))
    assert (problem.status, problem.code) == (503, "service_unavailable")
    assert not await verifier.keys.ready()

    auth.down = False
    clock.advance(MIN_REFRESH)
    assert isinstance(await verifier.verify(token(key, "real")), Principal)
    assert await verifier.keys.ready()


async def test_without_any_keys_the_verifier_retries_auth_within_a_second(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    key = auth.new_key("real")
    auth.down = True
    problem = await refused(verifier, token(key, "real"))
    assert (problem.status, problem.code) == (503, "service_unavailable")
    await refused(verifier, token(key, "real"))
    assert auth.fetches == 1

    auth.down = False
    clock.advance(1)

    assert isinstance(await verifier.verify(token(key, "real")), Principal)


async def test_only_signature_keys_of_the_pinned_algorithm_are_taken_from_the_jwks(
    verifier: TokenVerifier, auth: Auth
) -> None:
    key = auth.new_key("real")
    secret = b"a shared secret an attacker slipped into the key set!"
    auth.published["hmac"] = {
        "kty": "oct",
        "kid": "hmac",
        "k": jwt.utils.base64url_encode(secret).decode(),
        "alg": "HS256",
    }
    encryption = auth.new_key("enc")
    auth.published["enc"]["use"] = "enc"
    claims = jwt.decode(token(key, "real"), options={"verify_signature": False})
    hs256 = jwt.encode(claims, secret, "HS256", headers={"kid": "hmac"})

    for bearer in (hs256, token(encryption, "enc")):
        problem = await refused(verifier, bearer)
        assert (problem.status, problem.code) == (401, "unauthorized")
    assert isinstance(await verifier.verify(token(key, "real")), Principal)


async def test_a_slow_refresh_holds_up_no_token_whose_key_is_known(
    verifier: TokenVerifier, auth: Auth, clock: Clock
) -> None:
    key = auth.new_key("real")
    await verifier.verify(token(key, "real"))
    clock.advance(REFRESH)
    auth.answering.clear()  # auth hangs

    refreshing = asyncio.create_task(verifier.verify(token(key, "real")))
    async with asyncio.timeout(10):
        while auth.fetches < 2:
            await asyncio.sleep(0.01)
    served = await verifier.verify(token(key, "real"))

    assert isinstance(served, Principal)
    assert not refreshing.done()  # the one request that re-fetches is still waiting
    auth.answering.set()
    assert isinstance(await refreshing, Principal)
    assert auth.fetches == 2


async def test_a_remembered_token_is_refused_once_it_expires(
    verifier: TokenVerifier, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are remembered for a while (the gateway and every service check each
    request's token), but never past their expiry."""
    key = auth.new_key("real")
    short = token(key, "real", exp=datetime.now(UTC) + timedelta(seconds=10))
    assert isinstance(await verifier.verify(short), Principal)
    assert isinstance(await verifier.verify(short), Principal)

    # 20 s on: within the memory's interval, past the expiry and PyJWT's leeway.
    assert security.VERIFIED_TTL_SECONDS > 20 > 10 + security.LEEWAY_SECONDS
    later = time.monotonic() + 20
    monkeypatch.setattr(security.time, "monotonic", lambda: later)
    monkeypatch.setattr(jwt.api_jwt, "datetime", _TwentySecondsOn)
    problem = await refused(verifier, short)
    assert (problem.status, problem.code, problem.detail) == (401, "unauthorized", "Token expired")


class _TwentySecondsOn(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> "_TwentySecondsOn":
        moment = datetime.now(tz) + timedelta(seconds=20)
        return cls.fromtimestamp(moment.timestamp(), tz)
