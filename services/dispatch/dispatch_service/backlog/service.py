"""The backlog gate each dispatch process keeps.

Counting the backlog is a join over every waiting part, too much for every request, so a
process counts at most every `backlog_refresh_seconds` and adds what it accepted itself
since. Bound: a limit may be passed by what other processes (and requests of this one
whose transaction had not committed when the count ran) accept within one refresh.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.backlog import repository
from dispatch_service.config import DispatchSettings
from shared.errors import ProblemError, problem_response_doc


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
    _counted: dict[UUID, int] = field(default_factory=dict)
    _counted_at: float | None = None
    # Parts this process let in since the count; a request that then fails still counts
    # until the next one, which errs on the side of refusing.
    _admitted: Counter[UUID] = field(default_factory=Counter)
    # Requests arriving while a count runs wait for it instead of each running their own.
    _counting: asyncio.Lock = field(default_factory=asyncio.Lock)

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
        waiting = self._counted.get(account_id, 0) + self._admitted[account_id]
        if per_account and waiting + parts > per_account:
            raise self._full("this account's", per_account, waiting, parts)
        waiting = sum(self._counted.values()) + self._admitted.total()
        if total and waiting + parts > total:
            raise self._full("the service's total", total, waiting, parts)
        self._admitted[account_id] += parts

    async def refresh(self, session: AsyncSession) -> None:
        """Count the backlog again if the count is older than the refresh interval."""
        if not self.settings.max_backlog_per_account and not self.settings.max_backlog:
            return
        async with self._counting:
            if self._counted_at is not None and (
                time.monotonic() - self._counted_at < self.settings.backlog_refresh_seconds
            ):
                return
            self._counted = await repository.backlog_by_account(session)
            self._counted_at = time.monotonic()
            self._admitted.clear()

    def _full(self, which: str, limit: int, waiting: int, parts: int) -> BacklogFull:
        return BacklogFull(
            f"{which} backlog limit of {limit} parts waiting to be sent is reached: "
            f"{waiting} are waiting and this request adds {parts}; retry once some are sent",
            self.settings.backlog_retry_after_seconds,
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
