"""Dispatch's intake admission: past its in-flight limit a process refuses at once (503
`overloaded`, Retry-After) rather than queueing, and every request gives its slot back,
whether it succeeded or failed."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from dispatch_service.admission.limiter import IntakeLimiter, IntakeSlot
from shared.errors import install_problem_handlers

pytestmark = pytest.mark.asyncio(loop_scope="function")


def app_with(limiter: IntakeLimiter, release: asyncio.Event) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.intake_limiter = limiter

    @app.post("/send")
    async def send(_: IntakeSlot) -> dict[str, str]:
        await release.wait()
        return {"status": "accepted"}

    @app.post("/fail")
    async def fail(_: IntakeSlot) -> dict[str, str]:
        raise RuntimeError("the handler broke")

    return app


@pytest.fixture
async def release() -> AsyncIterator[asyncio.Event]:
    event = asyncio.Event()
    yield event
    event.set()


async def test_past_the_limit_a_request_is_refused_fast_and_retryable(
    release: asyncio.Event,
) -> None:
    app = app_with(IntakeLimiter(2, 0.05, 3), release)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        held = [asyncio.create_task(client.post("/send")) for _ in range(2)]
        await asyncio.sleep(0.02)  # both are in

        refused = await client.post("/send")

        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "overloaded"
        assert refused.headers["retry-after"] == "3"
        release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
        # The slots are back: the next one is let in.
        assert (await client.post("/send")).status_code == 200


async def test_a_request_waits_its_turn_within_the_limit(release: asyncio.Event) -> None:
    app = app_with(IntakeLimiter(1, 5.0, 1), release)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = asyncio.create_task(client.post("/send"))
        await asyncio.sleep(0.02)
        second = asyncio.create_task(client.post("/send"))
        await asyncio.sleep(0.05)
        release.set()

        assert [(await first).status_code, (await second).status_code] == [200, 200]


async def test_a_failing_request_gives_its_slot_back(release: asyncio.Event) -> None:
    release.set()
    app = app_with(IntakeLimiter(1, 0.05, 1), release)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(3):
            assert (await client.post("/fail")).status_code == 500
        assert (await client.post("/send")).status_code == 200


async def test_no_limit_lets_everything_in(release: asyncio.Event) -> None:
    app = app_with(IntakeLimiter(None, 0.01, 1), release)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        held = [asyncio.create_task(client.post("/send")) for _ in range(50)]
        await asyncio.sleep(0.05)
        release.set()
        assert {r.status_code for r in await asyncio.gather(*held)} == {200}
