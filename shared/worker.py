"""The life of a worker process (the SMPP connector, the webhook sender): its work and an
optional health endpoint run side by side until SIGINT/SIGTERM, or until one of them dies,
so that the supervisor (devstack, Kubernetes) restarts a worker that stopped working
instead of seeing it sit there, or exit cleanly."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI

from shared.metrics.endpoint import metrics_router

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthEndpoint:
    app: FastAPI
    host: str
    port: int


async def run_until_stopped(
    name: str, work: Coroutine[Any, Any, object], health: HealthEndpoint | None = None
) -> int:
    """Runs `work` (and `health`) until a signal (returns 0) or until one of them ends (1)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(work, name=name)]
    if health is not None:
        # The health port is the worker's only one, and cluster-internal: metrics go there.
        health.app.include_router(metrics_router())
        server = uvicorn.Server(
            uvicorn.Config(health.app, host=health.host, port=health.port, log_level="warning")
        )
        # The signals are ours: uvicorn's own handlers would stop the server, not the worker.
        server.install_signal_handlers = lambda: None  # type: ignore[attr-defined]
        tasks.append(asyncio.create_task(server.serve(), name="health"))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        died = [task for task in tasks if task.done()]
        for task in died:
            exc = None if task.cancelled() else task.exception()
            log.error("%s task ended unexpectedly; exiting", task.get_name(), exc_info=exc)
        return 1 if died else 0
    finally:
        stopped.cancel()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, stopped, return_exceptions=True)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
