"""The backlog gate each dispatch process keeps.

Counting the backlog is a join over every waiting part, too much for every request, so a
process counts at most every `backlog_refresh_seconds` and adds what it accepted itself
since. Bound: a limit may be passed by what other processes (and requests of this one
whose transaction had not committed when the count ran) accept within one refresh.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.backlog import repository
from dispatch_service.config import DispatchSettings
from dispatch_service.reloading import Reloading
from shared.errors import ProblemError, problem_response_doc

# However slowly the backlog drains, a client is told to come back within a minute: the
# estimate is from one refresh interval, and a client told an hour would give up.
MAX_RETRY_AFTER_SECONDS = 60


class BacklogFull(ProblemError):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(
            429,
            "backlog_full",
            "Backlog full",
            detail,
            headers={"Retry-After": str(retry_after)},
        )


# For the `responses` of every operation that takes in messages.
BACKLOG_FULL_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        **problem_response_doc(429),
        "description": "`backlog_full`: too many of the account's or the service's parts are "
        "waiting to be sent; nothing was accepted",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
    }
}


@dataclass
class BacklogGate:
    settings: DispatchSettings
    _counts: Reloading[dict[UUID, int]] = field(
        default_factory=lambda: Reloading[dict[UUID, int]](repository.backlog_by_account, {})
    )
    # Parts this process let in since the count; a request that then fails still counts
    # until the next one, which errs on the side of refusing.
    _admitted: Counter[UUID] = field(default_factory=Counter)
    # Parts per second leaving the backlog (sent, or failed before the SMSC), per account and
    # in total (key None), as the last counts showed: what Retry-After is estimated from.
    _drain: dict[UUID | None, float] = field(default_factory=dict)

    async def admit(self, session: AsyncSession, account_id: UUID, parts: int) -> None:
        """Reserve room for `parts` more of the account's parts, or raise BacklogFull."""
        await self.refresh(session)
        self.take(account_id, parts)

    def take(self, account_id: UUID, parts: int) -> None:
        """`admit` on the count as it stands: for a caller that refreshed it before its
        own writes, which a count in its transaction would see and count twice."""
        per_account, total = self.settings.max_backlog_per_account, self.settings.max_backlog
        if not per_account and not total:
            return
        waiting = self._counts.value.get(account_id, 0) + self._admitted[account_id]
        if per_account and waiting + parts > per_account:
            raise self._full("this account's", per_account, waiting, parts, account_id)
        waiting = sum(self._counts.value.values()) + self._admitted.total()
        if total and waiting + parts > total:
            raise self._full("the service's total", total, waiting, parts, None)
        self._admitted[account_id] += parts

    async def refresh(self, session: AsyncSession) -> None:
        """Count the backlog again if the count is older than the refresh interval."""
        if not self.settings.max_backlog_per_account and not self.settings.max_backlog:
            return
        reloaded = await self._counts.refresh(session, self.settings.backlog_refresh_seconds)
        if reloaded is None:
            return
        if reloaded.elapsed is not None:
            self._measure_drain(reloaded.previous, reloaded.elapsed)
        self._admitted.clear()

    def _measure_drain(self, before_counted: dict[UUID, int], elapsed: float) -> None:
        """What left the backlog since the last count: what was waiting then, plus what
        this process let in since, minus what waits now (other processes' intake makes it
        an underestimate, so Retry-After errs long)."""
        if elapsed <= 0:
            return
        counted = self._counts.value
        before = {key: n + self._admitted[key] for key, n in before_counted.items()}
        for key in self._admitted.keys() - before.keys():
            before[key] = self._admitted[key]
        drained: dict[UUID | None, float] = {
            key: max(0, n - counted.get(key, 0)) / elapsed for key, n in before.items()
        }
        drained[None] = max(0, sum(before.values()) - sum(counted.values())) / elapsed
        self._drain = drained

    def _retry_after(self, excess: int, key: UUID | None) -> int:
        rate = self._drain.get(key, 0.0)
        if rate <= 0:
            # Nothing measured leaving yet: a short fixed hint spreads the retries.
            return self.settings.backlog_retry_after_seconds
        return max(1, min(MAX_RETRY_AFTER_SECONDS, math.ceil(excess / rate)))

    def _full(
        self, which: str, limit: int, waiting: int, parts: int, key: UUID | None
    ) -> BacklogFull:
        return BacklogFull(
            f"{which} backlog limit of {limit} parts waiting to be sent is reached: "
            f"{waiting} are waiting and this request adds {parts}; retry once some are sent",
            self._retry_after(waiting + parts - limit, key),
        )


async def _backlog_gate(request: Request) -> BacklogGate:
    # One gate per app (so per process), made on first use: its counts are the app's own.
    state = request.app.state
    gate: BacklogGate | None = getattr(state, "backlog_gate", None)
    if gate is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        gate = state.backlog_gate = BacklogGate(settings)
    return gate


BacklogGateDep = Annotated[BacklogGate, Depends(_backlog_gate)]
