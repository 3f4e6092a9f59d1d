"""A real dispatch app with a producer beside it, for tests that announce events to it as
another service would (dlr's consent changes and inbound SMS) and wait until it applied
them: its inbox holds the event's id exactly when the effect is committed."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import select

from dispatch_service.config import DispatchSettings
from dispatch_service.main import create_app
from dispatch_service.models import Inbox
from shared.events import Event, serialise_event
from shared.kafka import new_producer
from tests.support.apps import AuthClient, running_app
from tests.support.databases import Databases

WAIT_SECONDS = 30


@dataclass
class Dispatch:
    app: FastAPI
    client: httpx.AsyncClient
    producer: AIOKafkaProducer

    async def applied(self, event: Event) -> None:
        """Publish as its service would, and wait until dispatch's inbox holds it."""
        await self.producer.send_and_wait(
            event.topic,
            value=serialise_event(event),
            key=event.aggregate_id.encode(),
            headers=[("event_type", event.type.encode())],  # type: ignore[attr-defined]
        )
        settings = self.app.state.runtime.settings
        statement = select(Inbox.event_id).where(
            Inbox.consumer == settings.consumer_group, Inbox.event_id == event.event_id
        )
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                async with self.app.state.runtime.sessionmaker() as session:
                    if await session.scalar(statement) is not None:
                        return
                await asyncio.sleep(0.1)


@asynccontextmanager
async def running_dispatch(
    databases: Databases, broker: str, auth: AuthClient, name: str, **settings: Any
) -> AsyncIterator[Dispatch]:
    app = create_app(
        DispatchSettings(
            database_url=await databases.create("dispatch"),
            kafka_bootstrap_servers=broker,
            jwks_url=auth.jwks_url,
            environment="test",
            consumer_group=f"dispatch-{name}-{uuid4().hex[:8]}",
            **settings,
        )
    )
    producer = new_producer(broker)
    await producer.start()
    try:
        async with running_app(app) as client:
            yield Dispatch(app, client, producer)
    finally:
        await producer.stop()
