"""The public face of the platform for tests: the real gateway in front of the real auth,
contacts, dispatch and billing services, each on its own port, on PostgreSQL and the
broker. dlr has no public route; the gateway is pointed where nothing listens for it."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from devstack.ports import free_port
from gateway.config import GatewaySettings
from tests.support.apps import AuthClient, served_app
from tests.support.databases import Databases


@dataclass(frozen=True)
class Platform:
    gateway_url: str
    auth: AuthClient
    # What the gateway runs with: another replica of it can be started from these.
    gateway_settings: GatewaySettings


@asynccontextmanager
async def public_platform(
    databases: Databases, broker: str, auth: AuthClient, **gateway: Any
) -> AsyncIterator[Platform]:
    from billing_service.config import BillingSettings
    from billing_service.main import create_app as billing_app
    from contacts_service.config import ContactsSettings
    from contacts_service.main import create_app as contacts_app
    from dispatch_service.config import DispatchSettings
    from dispatch_service.main import create_app as dispatch_app
    from gateway.main import create_app as gateway_app

    common: dict[str, Any] = {
        "kafka_bootstrap_servers": broker,
        "jwks_url": auth.jwks_url,
        "environment": "test",
        # dispatch's quotes ask billing's internal prices route, which wants it.
        "internal_token": "platform-internal-token",
    }
    async with AsyncExitStack() as stack:
        contacts = await stack.enter_async_context(
            served_app(
                contacts_app(
                    ContactsSettings(
                        database_url=await databases.create("contacts"),
                        consumer_group=f"contacts-edge-{uuid4().hex[:8]}",
                        **common,
                    )
                )
            )
        )
        dispatch = await stack.enter_async_context(
            served_app(
                dispatch_app(
                    DispatchSettings(
                        database_url=await databases.create("dispatch"),
                        # Its own group: other modules' dispatch apps use other databases.
                        consumer_group=f"dispatch-edge-{uuid4().hex[:8]}",
                        **common,
                    )
                )
            )
        )
        billing = await stack.enter_async_context(
            served_app(
                billing_app(
                    BillingSettings(database_url=await databases.create("billing"), **common)
                )
            )
        )
        settings = GatewaySettings(
            auth_url=auth.base_url,
            contacts_url=contacts,
            dispatch_url=dispatch,
            billing_url=billing,
            dlr_url=f"http://127.0.0.1:{free_port()}",
            **gateway,
        )
        gateway_url = await stack.enter_async_context(
            served_app(gateway_app(settings), proxy_headers=False)
        )
        yield Platform(gateway_url, auth, settings)
