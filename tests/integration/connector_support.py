"""Running the SMPP connector in a test: queue messages, start it, read what it recorded."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer
from sqlalchemy import select

from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.messages import handlers, service
from dispatch_service.messages.models import MessagePart
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.smpp.connector import Connector
from shared.events import AnyEvent, ChargeAuthorized, parse_event
from shared.runtime import ServiceRuntime


def connector_settings(
    database_url: str, broker: str, port: int, **overrides: Any
) -> DispatchSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": broker,
        "environment": "test",
        "smpp_host": "127.0.0.1",
        "smpp_port": port,
        "smpp_window": 5,
        "smpp_enquire_link_seconds": 5,
    }
    return DispatchSettings(**(values | overrides))


@contextlib.asynccontextmanager
async def running_connector(
    settings: DispatchSettings,
) -> AsyncIterator[tuple[Connector, ServiceRuntime, "asyncio.Task[None]"]]:
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    await runtime.start()
    connector = Connector(settings, runtime)
    task = asyncio.create_task(connector.run())
    try:
        yield connector, runtime, task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.stop()


async def queue_messages(runtime: ServiceRuntime, destinations: list[str]) -> list[UUID]:
    """One single-part message per destination, accepted and authorised: `queued`."""
    settings = runtime.settings
    assert isinstance(settings, DispatchSettings)
    account_id, ids = uuid4(), []
    async with runtime.sessionmaker() as session, session.begin():
        for i, to in enumerate(destinations):
            request = SendMessageRequest(to=to, text=f"message {i}")
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


async def parts_of(runtime: ServiceRuntime, ids: list[UUID]) -> dict[UUID, MessagePart]:
    async with runtime.sessionmaker() as session:
        rows = (
            await session.scalars(select(MessagePart).where(MessagePart.message_id.in_(ids)))
        ).all()
    return {row.message_id: row for row in rows}


async def wait_for_parts(
    runtime: ServiceRuntime,
    ids: list[UUID],
    done: Callable[[MessagePart], bool],
    timeout: float = 30,
) -> dict[UUID, MessagePart]:
    async with asyncio.timeout(timeout):
        while True:
            parts = await parts_of(runtime, ids)
            if len(parts) == len(ids) and all(done(part) for part in parts.values()):
                return parts
            await asyncio.sleep(0.1)


def settled(part: MessagePart) -> bool:
    return part.status in {"sent", "delivered", "failed"}


async def wait_for_event(
    broker: str, topic: str, match: Callable[[AnyEvent], bool], timeout: float = 20
) -> AnyEvent:
    # No group: it takes nothing from any other consumer and skips the group join.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=broker, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                batch = await consumer.getmany(timeout_ms=300)
                for records in batch.values():
                    for record in records:
                        event = parse_event(record.value)
                        if match(event):
                            return event
    finally:
        await consumer.stop()
