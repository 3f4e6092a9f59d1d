"""Limits kept in Redis, so that every replica counts against the same budget.

The GCRA step runs as one Lua script on the server, with the server's clock: replicas whose
clocks disagree still agree on every key.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from shared.ratelimit.base import Decision, RateLimiter, Rule
from shared.ratelimit.memory import MemoryRateLimiter

log = logging.getLogger(__name__)

# base.gcra in Lua. Floats cross as strings: Redis truncates Lua numbers to integers.
_GCRA = """
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, tostring(tat - now), tostring(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000))
return {1, tostring(new_tat - now), '0'}
"""

# While Redis is unreachable requests are let through (the limits guard against abuse,
# not correctness; a password hash is still bounded by its own semaphore), and this says
# so in the log at most once a minute.
_WARN_EVERY_SECONDS = 60.0
# After a failure Redis is left alone this long: a Redis that hangs instead of refusing
# would otherwise hold every request for the socket timeout, and open a connection for
# each one in flight.
_RETRY_AFTER_FAILURE_SECONDS = 5.0


class RedisRateLimiter:
    def __init__(
        self,
        client: Any,
        prefix: str = "ratelimit:",
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_GCRA)
        self._clock = clock
        self._warned_at = float("-inf")
        self._failed_at = float("-inf")

    @classmethod
    def from_url(cls, url: str, prefix: str = "ratelimit:") -> "RedisRateLimiter":
        client = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        return cls(client, prefix)

    async def hit(self, key: str, rule: Rule) -> Decision:
        if self._clock() - self._failed_at < _RETRY_AFTER_FAILURE_SECONDS:
            return _unlimited(rule)
        try:
            allowed, reset_after, retry_after = await self._script(
                keys=[self._prefix + key], args=[repr(rule.interval), repr(rule.period)]
            )
        except (OSError, ConnectionError, TimeoutError, RedisError) as exc:
            self._failed(exc)
            return _unlimited(rule)
        reset = float(reset_after)
        remaining = int((rule.period - reset) / rule.interval + 1e-9) if allowed else 0
        return Decision(bool(allowed), rule.limit, remaining, reset, float(retry_after))

    def _failed(self, exc: Exception) -> None:
        now = self._failed_at = self._clock()
        if now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("rate limits not enforced: Redis unavailable (%s)", type(exc).__name__)

    async def aclose(self) -> None:
        await self._client.aclose()


def _unlimited(rule: Rule) -> Decision:
    return Decision(True, rule.limit, rule.limit, 0.0, 0.0)


def create_rate_limiter(redis_url: str | None, prefix: str = "ratelimit:") -> RateLimiter:
    """Redis when a URL is given (shared by every replica), otherwise this process's memory."""
    if redis_url:
        return RedisRateLimiter.from_url(redis_url, prefix)
    return MemoryRateLimiter()
