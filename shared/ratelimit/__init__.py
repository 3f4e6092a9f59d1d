"""Per-key request limits shared by every replica (Redis) or kept in one process (memory).

Both implementations run the same GCRA (generic cell rate algorithm): a rule of `limit`
requests per `period` seconds allows a burst of `limit` and then one request every
`period / limit` seconds, with no burst at a window's edge as a fixed window has. A caller
asks before it does the expensive part (hashing a password, sending a message) and answers
429 with the decision's headers when it is refused.
"""

from shared.ratelimit.base import Decision, RateLimited, RateLimiter, Rule, rate_limit_headers
from shared.ratelimit.memory import MemoryRateLimiter
from shared.ratelimit.redis_backend import RedisRateLimiter, create_rate_limiter

__all__ = [
    "Decision",
    "MemoryRateLimiter",
    "RateLimited",
    "RateLimiter",
    "RedisRateLimiter",
    "Rule",
    "create_rate_limiter",
    "rate_limit_headers",
]
