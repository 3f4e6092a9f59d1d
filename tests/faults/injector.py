"""The faults, one at a time or several together, each followed by a probe message whose
delivery says the platform has recovered."""

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable

import httpx

from devstack.stack import Stack
from tests.faults.checker import FaultRecord
from tests.faults.load import SteadyLoad
from tests.support.postgres_server import PostgresServer

PROBE_TIMEOUT = 180.0


class Injector:
    def __init__(
        self,
        stack: Stack,
        postgres: PostgresServer,
        client: httpx.AsyncClient,
        load: SteadyLoad,
        probe_account: int,
    ) -> None:
        self._stack = stack
        self._postgres = postgres
        self._client = client
        self._load = load
        self._probe_account = probe_account
        self.faults: list[FaultRecord] = []

    async def inject(self, name: str, fault: Callable[[], Awaitable[None]]) -> FaultRecord:
        record = FaultRecord(name, time.time())
        self.faults.append(record)
        await fault()
        record.ended = time.time()
        record.recovered_after = await self._probe()
        return record

    async def _probe(self) -> float | None:
        """Seconds from now until a fresh message is delivered, or None if it never is."""
        started = time.monotonic()
        headers = self._load.accounts[self._probe_account].headers
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                sent = await self._load.send_one(self._probe_account)
                while True:
                    try:
                        response = await self._client.get(
                            f"/v1/messages/{sent.message_id}", headers=headers
                        )
                        if response.status_code == 200 and response.json()["status"] == "delivered":
                            return time.monotonic() - started
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.25)
        except TimeoutError:
            return None

    # The faults themselves.

    def kill(self, *names: str) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            for name in names:
                await asyncio.to_thread(self._stack.kill, name, signal.SIGKILL)

        return fault

    def kill_after_burst(self, name: str, burst: int = 60) -> Callable[[], Awaitable[None]]:
        """A burst fills the outbox, then the process dies while its relay publishes it."""

        async def fault() -> None:
            self._load.burst(burst)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(self._stack.kill, name, signal.SIGKILL)

        return fault

    def smsc(self, settings: dict[str, object], hold: float = 0.0) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            await self._smsc_faults(settings)
            if hold:
                await asyncio.sleep(hold)
                await self._smsc_faults({"clear": True})

        return fault

    async def _smsc_faults(self, settings: dict[str, object]) -> None:
        url = f"{self._stack.smsc_control_url}/faults"
        async with httpx.AsyncClient(timeout=10) as control:
            response = await control.post(url, json=settings)
            response.raise_for_status()

    def restart_postgres(self, mode: str, down_for: float = 3.0) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            await asyncio.to_thread(self._postgres.stop, mode)
            await asyncio.sleep(down_for)
            await asyncio.to_thread(self._postgres.start)

        return fault

    def together(self, *faults: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def fault() -> None:
            await asyncio.gather(*(f() for f in faults))

        return fault
