"""Fixtures shared by the auth test modules that start auth in-process on a database of
their own (a module may still define its own, which then wins)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.integration.auth_support import AuthApp, auth_app_factory
from tests.support.databases import Databases


@pytest.fixture(scope="module")
async def auth_database(databases: Databases) -> str:
    return await databases.create("auth")


@pytest.fixture
def auth_app(auth_database: str, broker: str, tmp_path: Path) -> AuthApp:
    return auth_app_factory(auth_database, broker, tmp_path / "keys")


@pytest.fixture
async def auth(auth_app: AuthApp) -> AsyncIterator[httpx.AsyncClient]:
    async with auth_app() as (_, client):
        yield client
