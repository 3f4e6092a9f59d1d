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
from shared.mail import Mailer
from tests.support.apps import running_app

AuthApp = Callable[..., AbstractAsyncContextManager[tuple[FastAPI, httpx.AsyncClient]]]


def auth_app_factory(database_url: str, broker: str, key_dir: Path) -> AuthApp:
    """Starts auth with the given settings overrides (no per-IP limits unless given, sign-up
    policy `open` unless given); yields (app, client). `mailer=` replaces MAIL_*.

    Without `consume=True` the app consumes nothing (the other services' audit records and
    the gateway's activity): joining a consumer group waits 3 s for its assignment on Tansu,
    which every test starting an app would pay for records it never reads."""

    @asynccontextmanager
    async def start(
        mailer: Mailer | None = None, consume: bool = False, **overrides: Any
    ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
        settings = AuthSettings(
            **{
                "database_url": database_url,
                "kafka_bootstrap_servers": broker,
                "dev_key_file": key_dir / "signing.pem",
                "environment": "test",
                "login_rate_limit": 0,
                "register_rate_limit": 0,
                "resend_rate_limit": 0,
                "signup_policy": "open",
                # Its own group: other auth apps of the run consume into other databases.
                "consumer_group": f"auth-{uuid4().hex[:8]}",
                **overrides,
            }
        )
        app = create_app(settings, mailer=mailer)
        if not consume:
            app.state.runtime.consumer_specs = ()
        async with running_app(app) as client:
            yield app, client

    return start
