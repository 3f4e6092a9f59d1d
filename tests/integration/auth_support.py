"""Starting auth in-process on a test module's database, for the auth test modules."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI

from auth_service.config import AuthSettings
from auth_service.main import create_app
from tests.support.apps import running_app

AuthApp = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


def auth_app_factory(database_url: str, broker: str, key_dir: Path) -> AuthApp:
    """Starts auth with the given settings overrides (no per-IP limits unless given);
    yields (app, client)."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        settings = AuthSettings(
            **{
                "database_url": database_url,
                "kafka_bootstrap_servers": broker,
                "dev_key_file": key_dir / "signing.pem",
                "environment": "test",
                "login_rate_limit": 0,
                "register_rate_limit": 0,
                # Its own group: other auth apps of the run consume into other databases.
                "consumer_group": f"auth-{uuid4().hex[:8]}",
                **overrides,
            }
        )
        app = create_app(settings)
        async with running_app(app) as client:
            yield app, client

    return start
