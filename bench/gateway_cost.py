"""What the gateway adds to a request: the same authenticated GET straight to the service
and through the gateway, latency and CPU per request of each process."""

import time
from dataclasses import dataclass

import httpx

from bench.measure import Watcher, percentile

# Small, authenticated, read-only and answered by one service: the gateway's proxy path
# (token check, routing, forwarding) with little work behind it.
PATH = "/v1/billing/balance"


@dataclass
class Leg:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    cpu: dict[str, float]

    def line(self) -> str:
        mean = sum(self.latencies) / max(len(self.latencies), 1) * 1000
        cpu = ", ".join(
            f"{name} {seconds * 1000 / self.requests:.2f}"
            for name, seconds in sorted(self.cpu.items())
            if seconds * 1000 / self.requests >= 0.01
        )
        return (
            f"  {self.name:<16}{self.requests / self.seconds:8.1f} req/s, mean {mean:.2f} ms,"
            f" p50 {percentile(self.latencies, 0.5) * 1000:.2f} ms,"
            f" p99 {percentile(self.latencies, 0.99) * 1000:.2f} ms; CPU ms/req: {cpu}"
        )


async def leg(name: str, base_url: str, token: str, requests: int, watcher: Watcher) -> Leg:
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=headers) as client:
        for _ in range(20):  # warm the connections and the services' caches (JWKS)
            (await client.get(PATH)).raise_for_status()
        before = watcher.cpu()
        started = time.monotonic()
        # One request at a time: the difference of the two latencies is then the gateway's
        # hop, not queueing behind other requests on a busy box.
        for _ in range(requests):
            began = time.monotonic()
            (await client.get(PATH)).raise_for_status()
            latencies.append(time.monotonic() - began)
        seconds = time.monotonic() - started
        after = watcher.cpu()
    used = {process: after.get(process, 0.0) - before.get(process, 0.0) for process in after}
    return Leg(name, requests, seconds, latencies, used)


def report(direct: Leg, via_gateway: Leg) -> list[str]:
    mean_direct = sum(direct.latencies) / len(direct.latencies)
    mean_gateway = sum(via_gateway.latencies) / len(via_gateway.latencies)
    gateway_cpu = via_gateway.cpu.get("gateway", 0.0) * 1000 / via_gateway.requests
    return [
        f"gateway cost        GET {PATH}, {direct.requests} sequential requests per leg",
        direct.line(),
        via_gateway.line(),
        f"  gateway adds      {(mean_gateway - mean_direct) * 1000:.2f} ms latency and"
        f" {gateway_cpu:.2f} ms of gateway CPU per request",
    ]
