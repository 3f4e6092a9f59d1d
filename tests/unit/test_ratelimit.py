"""shared/ratelimit: GCRA in memory (and in Redis when the `redis` package is installed)."""

import asyncio
import logging
import shutil
import socket
import uuid
from collections.abc import Awaitable, Callable

import pytest

from shared.ratelimit import (
    Decision,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    Rule,
    create_rate_limiter,
    rate_limit_headers,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def hits(limiter: RateLimiter, key: str, rule: Rule, n: int) -> list[Decision]:
    return [await limiter.hit(key, rule) for _ in range(n)]


async def test_a_burst_of_the_limit_then_refusal_with_the_wait() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    rule = Rule(limit=5, period=60)

    decisions = await hits(limiter, "k", rule, 6)

    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    refused = decisions[-1]
    assert refused.retry_after == pytest.approx(12)  # one more every 60 / 5 seconds
    assert refused.reset_after == pytest.approx(60)


async def test_one_more_is_allowed_after_the_interval_and_refusals_cost_nothing() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    rule = Rule(limit=2, period=10)
    await hits(limiter, "k", rule, 2)
    for _ in range(50):  # a client hammering while refused does not push its wait back
        assert not (await limiter.hit("k", rule)).allowed

    clock.now += 5
    assert (await limiter.hit("k", rule)).allowed
    assert not (await limiter.hit("k", rule)).allowed
    clock.now += 10
    assert [d.allowed for d in await hits(limiter, "k", rule, 3)] == [True, True, False]


async def test_keys_are_counted_apart() -> None:
    limiter = MemoryRateLimiter(clock=Clock())
    rule = Rule(limit=1, period=60)

    assert (await limiter.hit("a", rule)).allowed
    assert not (await limiter.hit("a", rule)).allowed
    assert (await limiter.hit("b", rule)).allowed


async def test_memory_stays_bounded_when_a_client_makes_up_keys() -> None:
    limiter = MemoryRateLimiter(max_keys=100, clock=Clock())
    rule = Rule(limit=1, period=60)

    for i in range(1_000):
        await limiter.hit(f"ip-{i}", rule)

    assert len(limiter) <= 100
    # The most recent keys are the ones remembered.
    assert not (await limiter.hit("ip-999", rule)).allowed


def test_headers_of_a_refusal_round_up_so_waiting_that_long_is_enough() -> None:
    headers = rate_limit_headers(Decision(False, 5, 0, reset_after=59.2, retry_after=11.1))

    assert headers == {
        "RateLimit-Limit": "5",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "60",
        "Retry-After": "12",
    }
    allowed = rate_limit_headers(Decision(True, 5, 4, reset_after=12, retry_after=0))
    assert "Retry-After" not in allowed


def test_a_rule_needs_a_positive_limit_and_period() -> None:
    with pytest.raises(ValueError, match="limit"):
        Rule(limit=0, period=60)
    with pytest.raises(ValueError, match="period"):
        Rule(limit=1, period=0)


async def test_without_a_redis_url_the_limiter_is_in_memory() -> None:
    assert isinstance(create_rate_limiter(None), MemoryRateLimiter)


async def test_redis_limiter_against_the_real_redis_is_shared_between_instances() -> None:
    url = "redis://127.0.0.1:6379/15"
    first, second = create_rate_limiter(url), create_rate_limiter(url)
    key, rule = f"test:{uuid.uuid4().hex}", Rule(limit=3, period=60)
    try:
        decisions = [
            await first.hit(key, rule),
            await second.hit(key, rule),
            await first.hit(key, rule),
            await second.hit(key, rule),
        ]
    finally:
        await first.aclose()
        await second.aclose()

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions[:3]] == [2, 1, 0]
    assert decisions[-1].retry_after == pytest.approx(20, abs=1)


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


class RedisCliClient:
    """Just enough of redis-py's asyncio client for RedisRateLimiter, over `redis-cli`: the
    script runs in the real Redis even where the `redis` package is not installed."""

    def __init__(self, db: int) -> None:
        self._db = str(db)

    async def _cli(self, *args: str) -> list[str]:
        process = await asyncio.create_subprocess_exec(
            "redis-cli", "-h", "127.0.0.1", "-p", "6379", "-n", self._db, *args,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        assert process.returncode == 0
        return out.decode().split()

    def register_script(self, script: str) -> Callable[..., Awaitable[list[object]]]:
        async def run(keys: list[str], args: list[str]) -> list[object]:
            allowed, reset_after, retry_after = await self._cli(
                "EVAL", script, str(len(keys)), *keys, *args
            )
            return [int(allowed), reset_after.encode(), retry_after.encode()]

        return run

    async def delete(self, key: str) -> None:
        await self._cli("DEL", key)

    async def aclose(self) -> None:
        pass


@pytest.mark.skipif(
    shutil.which("redis-cli") is None or not redis_reachable(),
    reason="no Redis at 127.0.0.1:6379 or no redis-cli",
)
async def test_the_redis_script_in_the_real_redis_decides_as_the_memory_limiter() -> None:
    client = RedisCliClient(db=15)
    first, second = RedisRateLimiter(client, "test:"), RedisRateLimiter(client, "test:")
    key, rule = uuid.uuid4().hex, Rule(limit=3, period=60)
    try:
        decisions = [
            await first.hit(key, rule),
            await second.hit(key, rule),
            await first.hit(key, rule),
            await second.hit(key, rule),
        ]
    finally:
        await client.delete(f"test:{key}")

    # Two limiters (two replicas) share one budget.
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after == pytest.approx(20, abs=1)
    assert decisions[-1].reset_after == pytest.approx(60, abs=1)
    assert rate_limit_headers(decisions[-1])["Retry-After"] in {"20", "21"}


async def test_an_unreachable_redis_lets_requests_through() -> None:
    class Down:
        def register_script(self, script: str) -> Callable[..., Awaitable[list[object]]]:
            async def run(keys: list[str], args: list[str]) -> list[object]:
                raise ConnectionRefusedError("no Redis")

            return run

    decision = await RedisRateLimiter(Down()).hit("k", Rule(limit=1, period=60))

    assert decision.allowed


class Flaky:
    """A Redis client whose script fails while `down`, counting every call that reached it."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def register_script(self, script: str) -> Callable[..., Awaitable[list[object]]]:
        async def run(keys: list[str], args: list[str]) -> list[object]:
            self.calls += 1
            if self.down:
                raise TimeoutError("Redis did not answer")
            return [1, b"20.0", b"0"]

        return run


async def test_a_failing_redis_is_left_alone_for_a_while_and_warned_about_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, client = Clock(), Flaky()
    limiter = RedisRateLimiter(client, clock=clock)
    rule = Rule(limit=3, period=60)

    def warnings() -> int:
        return sum("rate limits not enforced" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.WARNING, logger="shared.ratelimit.redis_backend"):
        first = await limiter.hit("k", rule)
        # A hanging Redis would hold each of these for the socket timeout: none asks it.
        meanwhile = await hits(limiter, "k", rule, 10)
        assert (client.calls, warnings()) == (1, 1)

        clock.now += 5
        await limiter.hit("k", rule)  # asked again, still failing: no second warning yet
        assert (client.calls, warnings()) == (2, 1)
        clock.now += 60
        await limiter.hit("k", rule)
        assert (client.calls, warnings()) == (3, 2)

        client.down = False
        clock.now += 5
        back = await limiter.hit("k", rule)

    assert first.allowed
    assert all(d.allowed and d.remaining == 3 for d in meanwhile)
    assert (client.calls, back.allowed, back.remaining) == (4, True, 2)
