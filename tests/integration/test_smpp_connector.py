"""The SMPP connector against the simulator, dispatch's PostgreSQL database and the broker:
queued parts reach the SMSC, and an SMSC that drops the connection mid-flight loses
nothing — the connector reconnects and every part is submitted and recorded."""

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.messages import handlers, service
from dispatch_service.messages.models import MessagePart
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.smpp.connector import Connector
from shared.events import ChargeAuthorized
from shared.runtime import ServiceRuntime
from smsc_simulator import SimulatorConfig, SmscSimulator
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def simulator() -> AsyncIterator[SmscSimulator]:
    sim = SmscSimulator(SimulatorConfig(receipt_delay=0.05))
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def connector(
    databases: Databases, broker: str, simulator: SmscSimulator
) -> AsyncIterator[tuple[Connector, ServiceRuntime]]:
    settings = DispatchSettings(
        database_url=await databases.create("dispatch"),
        kafka_bootstrap_servers=broker,
        environment="test",
        smpp_host="127.0.0.1",
        smpp_port=simulator.port,
        smpp_window=5,
    )
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    await runtime.start()
    connector = Connector(settings, runtime)
    task = asyncio.create_task(connector.run())
    try:
        yield connector, runtime
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.stop()


async def _queue_messages(runtime: ServiceRuntime, count: int) -> list[UUID]:
    settings = runtime.settings
    assert isinstance(settings, DispatchSettings)
    account_id, ids = uuid4(), []
    async with runtime.sessionmaker() as session, session.begin():
        for i in range(count):
            request = SendMessageRequest(to=f"+4479112{i:05d}", text=f"message {i}")
            message, _ = await service.send_message(session, settings, account_id, request)
            ids.append(message.id)
        await session.flush()
        await handlers.on_charges_authorized(
            session,
            [
                ChargeAuthorized(
                    account_id=account_id, message_id=message_id, amount="0.05", currency="EUR"
                )
                for message_id in ids
            ],
        )
    return ids


async def _sent_parts(runtime: ServiceRuntime, ids: list[UUID]) -> int:
    async with runtime.sessionmaker() as session:
        statement = select(func.count()).where(
            MessagePart.message_id.in_(ids),
            MessagePart.smsc_message_id.is_not(None),
            MessagePart.status.in_(["sent", "delivered"]),
        )
        return int(await session.scalar(statement) or 0)


async def test_queued_parts_survive_a_dropped_connection(
    connector: tuple[Connector, ServiceRuntime], simulator: SmscSimulator
) -> None:
    _, runtime = connector
    ids = await _queue_messages(runtime, 40)

    async with asyncio.timeout(20):
        while len(simulator.submitted) < 10:
            await asyncio.sleep(0.01)
    await simulator.drop_connections()  # mid-flight: some submits have no response yet

    async with asyncio.timeout(30):
        while await _sent_parts(runtime, ids) < len(ids):
            await asyncio.sleep(0.1)
    destinations = {m.destination_addr for m in simulator.submitted}
    assert destinations == {f"4479112{i:05d}" for i in range(40)}
    assert simulator.bound_sessions == 1  # reconnected and bound again
