"""End-to-end throughput: messages through the gateway to the SMSC simulator.

A benchmark, not a test: it asserts nothing. Modes (several may be given; they run one
after another on the same platform, each waiting until its messages are delivered):

    (none) / --closed    closed loop: --messages N, --concurrency C clients
    --rate R[,R...] --duration S
                         open loop: R single messages per second for S seconds each
    --batch B            bulk: --messages N in POST /v1/messages/batch requests of B
    --gateway-cost N     the same GET straight to billing and through the gateway
    --idle S             no traffic for S seconds: the CPU the platform spends on its own
                         (pollers, relays, consumers' fetches), which every message shares

Every mode that sends prints CPU ms per delivered message (per process and in total) and
the submit_sm/s the SMSC simulator received (also counted from the last intake answer on:
the connector alone on its backlog); the end prints each process's peak RSS.
--smsc-latency MS makes the simulator answer each submit_sm MS after it arrived, as a real
SMSC would (one bind, window W: at most W / latency submit_sm/s). BENCH_POSTGRES=1 runs
every service on PostgreSQL databases of its own (127.0.0.1:5432, created and dropped by
the run); <SERVICE>_WORKERS runs several uvicorn workers for an HTTP service.

    make bench BENCH_ARGS="--rate 50,100,200 --duration 30"
    make bench BENCH_ARGS="--batch 1000 --messages 5000 --smsc-latency 50 --window 10"
"""

import argparse
import asyncio
import functools
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import gateway_cost  # noqa: E402
from bench.batch import send_batches  # noqa: E402
from bench.load import Intake, Sender, closed_loop, login, open_loop  # noqa: E402
from bench.measure import Watcher, cpu_lines, percentile, smsc_lines  # noqa: E402
from bench.stack_run import postgres_prefix, postgres_wanted, running_stack  # noqa: E402
from devstack.stack import Stack  # noqa: E402


class Phase:
    """One load run: the counts, CPU and clock before it, and the wait for its deliveries."""

    def __init__(
        self, watcher: Watcher, drain_timeout: float, smsc_before: int | None = None
    ) -> None:
        self.watcher = watcher
        self.drain_timeout = drain_timeout
        self.delivered_before = watcher.latest().delivered
        self.smsc_before = smsc_before  # submit_sm the simulator had received; None: unknown
        self.cpu_before = watcher.cpu()
        self.started = time.monotonic()
        self.load_done = self.started
        self.load_done_wall = time.time()  # the simulator stamps submits with the wall clock

    @classmethod
    async def begin(cls, watcher: Watcher, drain_timeout: float) -> "Phase":
        return cls(watcher, drain_timeout, await watcher.smsc_submits())

    def load_finished(self) -> None:
        self.load_done = time.monotonic()
        self.load_done_wall = time.time()

    async def drain(self, accepted: int) -> list[str]:
        waited = await self.watcher.wait_delivered(
            self.delivered_before + accepted, self.drain_timeout
        )
        finished = time.monotonic()
        delivered = self.watcher.latest().delivered - self.delivered_before
        lines = []
        if waited is None:
            lines.append(
                f"NOT every message was delivered within {self.drain_timeout:.0f}s"
                f" after the load ({delivered} of {accepted})"
            )
        else:
            lines.append(
                f"all delivered after {finished - self.started:8.1f} s   from the first request"
                f" ({waited:.1f} s after the last answer)"
            )
        lines.append(
            f"delivered/s e2e     {delivered / (finished - self.started):8.1f}"
            f"   ({delivered} delivered in {finished - self.started:.1f}s)"
        )
        if self.smsc_before is not None:
            arrivals = await self.watcher.smsc_arrivals(self.smsc_before)
            lines += smsc_lines(arrivals, self.load_done_wall)
        lines += cpu_lines(self.cpu_before, self.watcher.cpu(), delivered)
        return lines

    def submitted_rate(self) -> float:
        return self.watcher.rate_between(self.started, self.load_done, "submitted")


def intake_lines(intake: Intake) -> list[str]:
    lines = []
    if intake.refused or intake.transport_retries or intake.skipped:
        lines.append(
            f"refused by status   {intake.refused}, transport retries"
            f" {intake.transport_retries}, not sent (too many in flight) {intake.skipped}"
        )
    lines.append(
        f"accept latency      p50 {percentile(intake.latencies, 0.5) * 1000:.0f} ms,"
        f" p99 {percentile(intake.latencies, 0.99) * 1000:.0f} ms"
    )
    return lines


async def closed(stack: Stack, watcher: Watcher, token: str, args: argparse.Namespace) -> None:
    phase = await Phase.begin(watcher, args.drain_timeout)
    sender = Sender(token, f"closed-{uuid.uuid4().hex[:6]}")
    intake = await closed_loop(stack.gateway_url, sender, args.messages, args.concurrency)
    phase.load_finished()
    seconds = phase.load_done - phase.started
    say(
        f"closed loop: {args.messages} messages, {args.concurrency} HTTP clients",
        f"accepted/s          {intake.accepted / seconds:8.1f}   ({intake.accepted} accepted"
        f" in {seconds:.1f}s)",
        f"submitted/s intake  {phase.submitted_rate():8.1f}   (submit_sm_resp recorded while"
        " intake ran)",
        *intake_lines(intake),
        *await phase.drain(intake.accepted),
    )


async def open_rate(
    stack: Stack, watcher: Watcher, token: str, args: argparse.Namespace, rate: float
) -> None:
    phase = await Phase.begin(watcher, args.drain_timeout)
    sender = Sender(token, f"open-{rate:g}-{uuid.uuid4().hex[:6]}")
    intake = await open_loop(stack.gateway_url, sender, rate, args.duration)
    phase.load_finished()
    offered = int(rate * args.duration)
    window_end = phase.started + args.duration
    seconds = phase.load_done - phase.started
    say(
        f"open loop: {rate:g}/s offered for {args.duration:g}s ({offered} messages)",
        # Over the time until the last answer: what the platform took in, not what was offered.
        f"accepted/s          {intake.accepted / max(seconds, args.duration):8.1f}"
        f"   ({intake.accepted} accepted; last answer {seconds:.1f}s after the first request)",
        f"submit_sm/s at SMSC {watcher.rate_between(phase.started, window_end, 'submitted'):8.1f}"
        "   (while load ran)",
        *intake_lines(intake),
        *await phase.drain(intake.accepted),
    )


async def batch(stack: Stack, watcher: Watcher, token: str, args: argparse.Namespace) -> None:
    phase = await Phase.begin(watcher, args.drain_timeout)
    run = f"batch-{uuid.uuid4().hex[:6]}"
    concurrency = args.batch_concurrency
    intake = await send_batches(
        stack.gateway_url, token, run, args.messages, args.batch, concurrency
    )
    phase.load_finished()
    if not intake.available:
        say(
            f"batch: POST /v1/messages/batch answered {intake.not_there_status}: the batch API"
            " is not on this platform (not merged yet?); batch mode skipped",
        )
        return
    seconds = phase.load_done - phase.started
    say(
        f"batch: {args.messages} messages in requests of {args.batch},"
        f" {concurrency} concurrent requests",
        f"accepted msgs/s     {intake.accepted / seconds:8.1f}   ({intake.accepted} accepted,"
        f" {intake.rejected} rejected, {intake.requests} requests in {seconds:.1f}s)",
        *([f"failed requests     {intake.failed}"] if intake.failed else []),
        f"batch latency       p50 {percentile(intake.latencies, 0.5) * 1000:.0f} ms,"
        f" p99 {percentile(intake.latencies, 0.99) * 1000:.0f} ms",
        f"submitted/s intake  {phase.submitted_rate():8.1f}",
        *await phase.drain(intake.accepted),
    )


async def idle(stack: Stack, watcher: Watcher, token: str, args: argparse.Namespace) -> None:
    before, started = watcher.cpu(), time.monotonic()
    await asyncio.sleep(args.idle)
    after, seconds = watcher.cpu(), time.monotonic() - started
    used = {name: after.get(name, 0.0) - before.get(name, 0.0) for name in after}
    say(
        f"idle: no traffic for {seconds:.0f}s",
        f"CPU ms/s idle       {sum(used.values()) * 1000 / seconds:8.1f}   total",
        "  per process       "
        + ", ".join(f"{name} {used[name] * 1000 / seconds:.1f}" for name in sorted(used)),
    )


async def gateway(stack: Stack, watcher: Watcher, token: str, args: argparse.Namespace) -> None:
    direct_url = f"http://127.0.0.1:{stack.ports['billing']}"
    count = args.gateway_cost
    direct = await gateway_cost.leg("direct billing", direct_url, token, count, watcher)
    via = await gateway_cost.leg("via gateway", stack.gateway_url, token, count, watcher)
    say(*gateway_cost.report(direct, via))


def say(*lines: str) -> None:
    print("\n".join(lines) + "\n", flush=True)


async def run(args: argparse.Namespace) -> None:
    steps: list[Callable[[], Awaitable[None]]] = []
    stack_run = running_stack(args.window, args.receipt_delay, args.smsc_latency, args.binds)
    async with stack_run as stack:
        watcher, stop = Watcher(stack, postgres_prefix(stack)), asyncio.Event()
        workers = {name: stack.workers(name) for name in ("gateway", *stack.ports)}
        say(
            f"database            {'PostgreSQL' if postgres_wanted() else 'SQLite'}"
            f" ({stack.database_url('dispatch').split(':')[0]})",
            f"SMPP                {args.binds} bind(s), window {args.window},"
            f" SMSC latency {args.smsc_latency:g} ms, receipt delay {args.receipt_delay:g}s",
            "uvicorn workers     " + ", ".join(f"{n} {w}" for n, w in workers.items()),
        )
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
            token = await login(client)
        watching = asyncio.create_task(watcher.run(stop))
        if args.idle:
            steps.append(lambda: idle(stack, watcher, token, args))
        if args.closed or not (args.rate or args.batch or args.gateway_cost or args.idle):
            steps.append(lambda: closed(stack, watcher, token, args))
        steps += [functools.partial(open_rate, stack, watcher, token, args, r) for r in args.rate]
        if args.batch:
            steps.append(lambda: batch(stack, watcher, token, args))
        if args.gateway_cost:
            steps.append(lambda: gateway(stack, watcher, token, args))
        try:
            for step in steps:
                await step()
        finally:
            stop.set()
            await watching
        say(
            "peak RSS (MiB)      "
            + ", ".join(
                f"{name} {rss / 2**20:.0f}" for name, rss in sorted(watcher.peak_rss.items())
            )
        )


def rates(value: str) -> list[float]:
    return [float(part) for part in value.split(",") if part.strip()]


def milliseconds(value: str) -> float:
    latency = float(value)
    if latency < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return latency


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000, help="closed loop and batch")
    parser.add_argument("--concurrency", type=int, default=64, help="closed loop HTTP clients")
    parser.add_argument("--closed", action="store_true", help="closed loop besides other modes")
    parser.add_argument("--rate", type=rates, default=[], help="open loop: msgs/s, e.g. 50,100")
    parser.add_argument("--duration", type=float, default=30, help="open loop: seconds per rate")
    parser.add_argument("--batch", type=int, default=0, help="batch mode: recipients per request")
    parser.add_argument("--batch-concurrency", type=int, default=2)
    parser.add_argument("--gateway-cost", type=int, default=0, metavar="N", help="requests/leg")
    parser.add_argument("--idle", type=float, default=0, metavar="S", help="seconds of no traffic")
    parser.add_argument("--window", type=int, default=10, help="outstanding submit_sm")
    parser.add_argument(
        "--binds",
        type=int,
        default=int(os.environ.get("DISPATCH_SMPP_BINDS", "1")),
        help="SMPP binds of the connector (DISPATCH_SMPP_BINDS)",
    )
    parser.add_argument(
        "--smsc-latency",
        type=milliseconds,
        default=0.0,
        metavar="MS",
        help="the simulator answers each submit_sm MS after it arrived",
    )
    parser.add_argument("--receipt-delay", type=float, default=0.1)
    parser.add_argument("--drain-timeout", type=float, default=600)
    args = parser.parse_args(argv)
    if args.rate and min(args.rate) <= 0:
        parser.error("--rate must be positive")
    if args.binds < 1:
        parser.error("--binds must be at least 1")
    return args


def main() -> None:
    asyncio.run(run(parse_args()))


if __name__ == "__main__":
    main()
