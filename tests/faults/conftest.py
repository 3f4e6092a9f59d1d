"""The whole platform as supervised processes on a PostgreSQL of the suite's own, so that
the suite may kill any process, cut the SMSC link and restart the database under load."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack.stack import SERVICES, Stack, StackConfig
from tests.support.databases import migrate
from tests.support.postgres_server import PostgresServer, postgres_bin_dir, temporary_postgres

# Short enough that a 30 s silent SMSC is detected and a stuck part is swept within the run.
FAULT_ENV = {
    "BILLING_STARTER_CREDIT": "100000.00",
    "BILLING_PRICE_PER_PART": "0.05",
    "DISPATCH_SMPP_RESPONSE_TIMEOUT_SECONDS": "5",
    "DISPATCH_SMPP_ENQUIRE_LINK_SECONDS": "5",
    "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "10",
}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if postgres_bin_dir() is None:
        pytest.fail("the fault suite needs PostgreSQL's initdb/pg_ctl on this machine")
    with temporary_postgres("smsgw-faults-pg-") as server:
        yield server


@pytest.fixture(scope="session")
async def platform(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    urls = {name: postgres.create_database(f"smsgw_{name}") for name in SERVICES}
    await asyncio.gather(*(asyncio.to_thread(migrate, n, u) for n, u in urls.items()))
    var_dir = Path(tmp_path_factory.mktemp("faults-stack"))
    config = StackConfig(
        var_dir=var_dir,
        gateway_port=0,
        database_urls=urls,
        logs_to_files=True,
        supervise=True,
        smsc_control=True,
        simulator_args=("--receipt-delay", "0.3"),
        extra_env=FAULT_ENV,
    )
    stack = Stack(config)
    await asyncio.to_thread(stack.start, 180)
    try:
        yield stack
    finally:
        await asyncio.to_thread(stack.stop)
