"""The platform under test: devstack's Stack, on SQLite files or (`BENCH_POSTGRES=1`) on
PostgreSQL databases of its own that the benchmark creates and drops."""

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from devstack.stack import SERVICES, Stack, StackConfig

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_wanted() -> bool:
    return os.environ.get("BENCH_POSTGRES", "") not in ("", "0")


def postgres_prefix(stack: Stack) -> str | None:
    """The common prefix of the databases BENCH_POSTGRES created, else None."""
    url = make_url(stack.database_url("dispatch"))
    if not postgres_wanted() or not url.database:
        return None
    return url.database.rsplit("_", 1)[0]


class PostgresDatabases:
    """One fresh database per service, with a unique name so runs never collide; devstack's
    own migration step (Stack.start) brings each to head."""

    def __init__(self) -> None:
        self.prefix = f"smsgw_bench_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    async def create(self) -> dict[str, str]:
        admin = make_url(ADMIN_URL)
        urls = {}
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            for service in SERVICES:
                name = f"{self.prefix}_{service}"
                await connection.execute(f'CREATE DATABASE "{name}"')
                self.created.append(name)
                urls[service] = admin.set(
                    drivername="postgresql+asyncpg", database=name
                ).render_as_string(hide_password=False)
        finally:
            await connection.close()
        return urls

    async def drop(self) -> None:
        if not self.created:
            return
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            for name in self.created:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def simulator_args(receipt_delay: float, smsc_latency_ms: float) -> tuple[str, ...]:
    return (
        "--receipt-delay",
        str(receipt_delay),
        "--response-delay",
        str(smsc_latency_ms / 1000),
    )


@asynccontextmanager
async def running_stack(
    window: int, receipt_delay: float, smsc_latency_ms: float = 0.0, binds: int = 1
) -> AsyncIterator[Stack]:
    var_dir = Path(tempfile.mkdtemp(prefix="smsgw-bench-"))
    config = StackConfig.from_environment(var_dir)
    config.gateway_port = 0
    config.logs_to_files = True
    config.simulator_args = simulator_args(receipt_delay, smsc_latency_ms)
    # The simulator's own count of submit_sm (GET /submits) gives the rate at the SMSC.
    config.smsc_control = True
    config.extra_env = {
        "BILLING_STARTER_CREDIT": "1000000",
        "DISPATCH_SMPP_WINDOW": str(window),
        "DISPATCH_SMPP_BINDS": str(binds),
        # One account offers the whole load: counted (the limiter's cost is measured) but
        # never refused.
        "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        # A run logs in once and sends with that token for as long as it lasts; access
        # tokens live 15 minutes by default, which a long run outlasts.
        "AUTH_ACCESS_TOKEN_TTL_SECONDS": "86400",
        # The bench account sends at once: its credit must not wait for a mailed link.
        "AUTH_SIGNUP_POLICY": "open",
    }
    databases = PostgresDatabases() if postgres_wanted() else None
    try:
        if databases:
            config.database_urls = await databases.create()
        stack = Stack(config)
        await asyncio.to_thread(stack.start, 120)
        try:
            yield stack
        finally:
            await asyncio.to_thread(stack.stop)
    finally:
        if databases:
            await databases.drop()
