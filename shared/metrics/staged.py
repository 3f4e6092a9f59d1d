"""Counting what a transaction did only once it commits: a handler's transaction that
rolls back (and is retried, or retried one event at a time) must not count twice."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_STAGED = "metrics_staged"


def count_after_commit(session: AsyncSession | Session, counter: Any, amount: float = 1) -> None:
    """Add `amount` to `counter` (a labelled child of a Counter) when `session` commits."""
    staged: dict[Any, float] = session.info.setdefault(_STAGED, {})
    staged[counter] = staged.get(counter, 0) + amount


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    for counter, amount in session.info.pop(_STAGED, {}).items():
        counter.inc(amount)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_STAGED, None)
