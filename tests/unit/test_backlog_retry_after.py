"""The 429 backlog_full tells a client how long the excess takes to drain, at the pace
the gate's last two counts showed, instead of a fixed guess."""

from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from dispatch_service import reloading
from dispatch_service.backlog import service
from dispatch_service.backlog.service import BacklogFull, BacklogGate
from dispatch_service.config import DispatchSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[UUID, int]:
    """What the next count of waiting parts returns, per account."""
    waiting: dict[UUID, int] = {}

    async def backlog_by_account(session: Any) -> dict[UUID, int]:
        return dict(waiting)

    monkeypatch.setattr(service.repository, "backlog_by_account", backlog_by_account)
    return waiting


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(reloading.time, "monotonic", clock)
    return clock


def gate(**settings: Any) -> BacklogGate:
    defaults: dict[str, Any] = {"max_backlog_per_account": 100, "max_backlog": 1000}
    return BacklogGate(DispatchSettings(**{**defaults, **settings}))


SESSION = cast(Any, None)


async def refused(gate: BacklogGate, account: UUID, parts: int) -> BacklogFull:
    with pytest.raises(BacklogFull) as refusal:
        await gate.admit(SESSION, account, parts)
    return refusal.value


async def test_before_anything_drained_the_hint_is_the_setting(
    counts: dict[UUID, int], clock: Clock
) -> None:
    account = uuid4()
    counts[account] = 100
    full = await refused(gate(backlog_retry_after_seconds=7), account, 1)
    assert full.headers == {"Retry-After": "7"}


async def test_the_excess_over_the_drain_rate_of_the_account(
    counts: dict[UUID, int], clock: Clock
) -> None:
    account, other = uuid4(), uuid4()
    backlog = gate(backlog_refresh_seconds=1)
    counts[account], counts[other] = 100, 10
    await refused(backlog, account, 1)  # the first count

    # Two seconds later 20 of the account's parts are gone: 10 parts/s.
    clock.now += 2
    counts[account] = 80
    await backlog.admit(SESSION, account, 10)  # room for 10 more: 90 waiting
    full = await refused(backlog, account, 50)  # 140 would be waiting: 40 over
    assert full.headers == {"Retry-After": "4"}


async def test_the_total_limit_uses_the_total_drain_and_a_minute_at_most(
    counts: dict[UUID, int], clock: Clock
) -> None:
    first, second = uuid4(), uuid4()
    backlog = gate(max_backlog_per_account=None, max_backlog=1000, backlog_refresh_seconds=1)
    counts[first], counts[second] = 600, 400
    await refused(backlog, first, 1)

    clock.now += 10
    counts[first] = 599  # one part in ten seconds: 0.1 parts/s
    full = await refused(backlog, second, 500)  # 499 over: 4,990 s, told a minute
    assert full.headers == {"Retry-After": "60"}
