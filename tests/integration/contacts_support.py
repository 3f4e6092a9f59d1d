"""The contacts service in a test: its app on a fresh database, and requests as one account."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import httpx

from tests.support.apps import AuthClient, running_app


@asynccontextmanager
async def contacts_client(
    database_url: str, broker: str, auth: AuthClient
) -> AsyncIterator[httpx.AsyncClient]:
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app

    settings = ContactsSettings(
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        jwks_url=auth.jwks_url,
        environment="test",
        # Each app a group of its own: apps on one broker but databases of their own must
        # each read every event, not split the topics' partitions between them.
        consumer_group=f"contacts-{uuid4().hex[:8]}",
    )
    async with running_app(create_app(settings)) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def add_contact(
    client: httpx.AsyncClient, token: str, phone: str = "+44 7700 900123", **fields: Any
) -> httpx.Response:
    return await client.post("/v1/contacts", json={"phone": phone, **fields}, headers=bearer(token))
