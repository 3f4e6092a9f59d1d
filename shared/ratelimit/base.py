"""The limiter interface, its rule and its decision, and the HTTP headers of a decision."""

import math
from dataclasses import dataclass
from typing import Protocol

from shared.errors import ProblemError


@dataclass(frozen=True)
class Rule:
    """`limit` requests per `period` seconds for one key, all of them usable at once."""

    limit: int
    period: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError("a rate limit needs limit >= 1 and period > 0")

    @property
    def interval(self) -> float:
        """Seconds after which one more request is allowed again."""
        return self.period / self.limit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    # Seconds until the key is back to its full burst (RateLimit-Reset).
    reset_after: float
    # Seconds until the next request would be allowed; 0 when this one was.
    retry_after: float


class RateLimiter(Protocol):
    async def hit(self, key: str, rule: Rule) -> Decision:
        """Counts one request for `key` if `rule` allows it; refused requests cost nothing."""
        ...

    async def aclose(self) -> None: ...


def gcra(tat: float, now: float, rule: Rule) -> tuple[Decision, float | None]:
    """One GCRA step from the key's theoretical arrival time `tat` (0 when unknown).

    Returns the decision and the new `tat` to store, or None when refused (nothing changes).
    The Redis script is this function in Lua; keep the two alike.
    """
    tat = max(tat, now)
    new_tat = tat + rule.interval
    allow_at = new_tat - rule.period
    if now < allow_at:
        remaining = 0
        return Decision(False, rule.limit, remaining, tat - now, allow_at - now), None
    remaining = int((rule.period - (new_tat - now)) / rule.interval + 1e-9)
    return Decision(True, rule.limit, remaining, new_tat - now, 0.0), new_tat


def rate_limit_headers(decision: Decision) -> dict[str, str]:
    """`RateLimit-*` (draft-ietf-httpapi-ratelimit-headers) and, when refused, `Retry-After`,
    in whole seconds rounded up so that a client waiting that long is allowed."""
    headers = {
        "RateLimit-Limit": str(decision.limit),
        "RateLimit-Remaining": str(decision.remaining),
        "RateLimit-Reset": str(math.ceil(decision.reset_after)),
    }
    if not decision.allowed:
        headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
    return headers


class RateLimited(ProblemError):
    """429 `rate_limited`, carrying the refused decision's headers (`Retry-After` and the
    `RateLimit-*` ones)."""

    def __init__(self, headers: dict[str, str], detail: str = "Request rate limit reached") -> None:
        super().__init__(
            429,
            "rate_limited",
            "Too many requests",
            f"{detail}; retry in {headers['Retry-After']} s",
            headers=headers,
        )
