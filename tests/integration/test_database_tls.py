"""PGSSLMODE=verify-full, as the cluster sets it (k8s/base/*/configmap.yaml), reaches the
driver through shared.db: a server that does not prove itself over TLS is refused, never
used in plaintext (asyncpg's default, "prefer", would quietly fall back)."""

from __future__ import annotations

import certifi
import pytest
from sqlalchemy import text

from shared.db import create_engine
from tests.support.databases import ADMIN_URL, postgres_reachable

pytestmark = pytest.mark.skipif(not postgres_reachable(), reason="needs PostgreSQL")

# The test server speaks no TLS (`show ssl` is off), like a server an attacker stands up.
URL = ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://", 1)


async def select_one() -> int:
    engine = create_engine(URL)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("select 1"))).scalar_one())
    finally:
        await engine.dispose()


async def test_without_verification_the_same_server_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PGSSLMODE", raising=False)
    assert await select_one() == 1


async def test_verify_full_refuses_a_server_without_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", certifi.where())
    with pytest.raises(ConnectionError, match="SSL"):
        await select_one()
