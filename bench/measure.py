"""What the benchmark reads while load runs: progress from dispatch's database (the
connector's record of the SMSC's word), CPU time and peak RSS of every process, and the
submit_sm the SMSC simulator received (its control API)."""

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devstack.stack import Stack

PROGRESS = text(
    "SELECT count(*) FILTER (WHERE submitted_at IS NOT NULL),"
    " count(*) FILTER (WHERE status = 'delivered') FROM message_parts"
)

BACKENDS = text("SELECT pid FROM pg_stat_activity WHERE datname LIKE :prefix")


@dataclass
class Sample:
    at: float
    submitted: int
    delivered: int


def _tree(pid: int) -> Iterator[psutil.Process]:
    """A process and its descendants: uvicorn's `--workers` run the app in children."""
    try:
        root = psutil.Process(pid)
        yield root
        yield from root.children(recursive=True)
    except psutil.NoSuchProcess:
        return


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


@dataclass
class Watcher:
    """Samples progress every `interval` and keeps, per process name, the peak RSS and the
    last CPU time seen of each member of its tree (a member that exits keeps its last value)."""

    stack: Stack
    # BENCH_POSTGRES: the name prefix of the run's databases, whose server backends count as
    # one more process, "postgres" (the server is shared; only our sessions are ours).
    postgres_prefix: str | None = None
    interval: float = 0.25
    samples: list[Sample] = field(default_factory=list)
    peak_rss: dict[str, int] = field(default_factory=dict)
    _cpu: dict[tuple[str, int], float] = field(default_factory=dict)
    _backends: set[int] = field(default_factory=set)

    @property
    def prefix(self) -> str:
        return f"{self.postgres_prefix}%"

    def latest(self) -> Sample:
        return self.samples[-1] if self.samples else Sample(time.monotonic(), 0, 0)

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) per process name, summed over its tree, so far."""
        self._look_at_processes()
        totals: dict[str, float] = {}
        for (name, _), seconds in self._cpu.items():
            totals[name] = totals.get(name, 0.0) + seconds
        return totals

    def _look_at_processes(self) -> None:
        for process in self.stack.processes:
            if not process.running:
                continue
            for member in _tree(process.popen.pid):
                self._cpu[(process.name, member.pid)] = _cpu_seconds(member)
                try:
                    rss = member.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peak_rss[process.name] = max(self.peak_rss.get(process.name, 0), rss)
        for pid in list(self._backends):
            try:
                self._cpu[("postgres", pid)] = _cpu_seconds(psutil.Process(pid))
            except psutil.NoSuchProcess:
                self._backends.discard(pid)

    async def run(self, stop: asyncio.Event) -> None:
        engine = create_async_engine(self.stack.database_url("dispatch"))
        try:
            while not stop.is_set():
                async with engine.connect() as connection:
                    submitted, delivered = (await connection.execute(PROGRESS)).one()
                    if self.postgres_prefix:
                        backends = await connection.execute(BACKENDS, {"prefix": self.prefix})
                        self._backends.update(pid for (pid,) in backends)
                self.samples.append(Sample(time.monotonic(), submitted, delivered))
                self._look_at_processes()
                await asyncio.sleep(self.interval)
        finally:
            await engine.dispose()

    async def wait_delivered(self, count: int, timeout: float) -> float | None:
        """Seconds until `count` parts are delivered in total, None if not within timeout."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                while self.latest().delivered < count:
                    await asyncio.sleep(self.interval / 2)
        except TimeoutError:
            return None
        return time.monotonic() - started

    async def smsc_submits(self) -> int | None:
        """submit_sm the simulator has received so far; None without its control API."""
        url = self.stack.smsc_control_url
        if url is None:
            return None
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            stats = (await client.get("/stats")).json()
        return int(stats["submits"])

    async def smsc_arrivals(self, since: int) -> list[float]:
        """When (epoch seconds, the simulator's clock) each submit_sm from index `since` on
        arrived at the simulator."""
        url = self.stack.smsc_control_url
        if url is None:
            return []
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            submits = (await client.get("/submits", params={"since": since})).json()
        return [float(submit["received_at"]) for submit in submits]

    def rate_between(self, start: float, end: float, what: str) -> float:
        inside = [s for s in self.samples if start <= s.at <= end]
        if len(inside) < 2 or inside[-1].at == inside[0].at:
            return 0.0
        first, last = getattr(inside[0], what), getattr(inside[-1], what)
        return float(last - first) / (inside[-1].at - inside[0].at)


def arrival_rate(arrivals: list[float]) -> float:
    """submit_sm per second from the first arrival to the last."""
    if len(arrivals) < 2 or arrivals[-1] == arrivals[0]:
        return 0.0
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])


def smsc_lines(arrivals: list[float], load_done: float) -> list[str]:
    """The submit_sm rate the SMSC saw over a phase; and from `load_done` (epoch seconds) on,
    when the connector works off its backlog with nothing else arriving: the connector alone."""
    if len(arrivals) < 2:
        return []
    span = arrivals[-1] - arrivals[0]
    lines = [
        f"submit_sm/s at SMSC {arrival_rate(arrivals):8.1f}   ({len(arrivals)} submit_sm"
        f" received by the simulator in {span:.1f}s, first to last)"
    ]
    backlog = [at for at in arrivals if at >= load_done]
    if len(backlog) >= 2:
        lines.append(
            f"  after intake      {arrival_rate(backlog):8.1f}   ({len(backlog)} submit_sm"
            " after the last intake answer: the connector on its backlog)"
        )
    return lines


def cpu_lines(before: dict[str, float], after: dict[str, float], delivered: int) -> list[str]:
    """CPU milliseconds per delivered message, per process and in total."""
    used = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in after}
    total = sum(used.values())
    per = max(delivered, 1)
    parts = ", ".join(f"{name} {used[name] * 1000 / per:.2f}" for name in sorted(used))
    return [
        f"CPU ms/delivered    {total * 1000 / per:8.2f}   total ({total:.1f} CPU-s"
        f" for {delivered} delivered)",
        f"  per process       {parts}",
    ]


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
