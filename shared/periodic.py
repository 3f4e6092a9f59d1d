"""Work a service repeats for as long as it runs: sweeps, pruning, reports.

One loop for all of them, so each job is only its round of work: a failed round is logged
(an outage briefly, anything else with its traceback) and the next round tries again; a job
never ends the process.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.outage import is_database_outage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: float
    run_once: Callable[[], Awaitable[object]]


async def repeat(job: PeriodicJob) -> None:
    while True:
        try:
            await job.run_once()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_database_outage(exc):
                log.warning("%s skipped: database unavailable (%s)", job.name, exc)
            else:
                log.exception("%s failed; trying again next round", job.name)
        await asyncio.sleep(job.interval_seconds)
