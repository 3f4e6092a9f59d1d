"""A fresh database per service per test run, migrated to head with the service's own Alembic
history, so every run also tests the migrations."""

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Host, port and credentials of every database a run creates come from the same URL.
_ADMIN = make_url(ADMIN_URL)
SERVICES = ("auth", "contacts", "dispatch", "billing", "dlr")


def postgres_reachable() -> bool:
    host, port = _ADMIN.host or "127.0.0.1", _ADMIN.port or 5432
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Databases:
    """Creates and drops the run's databases on PostgreSQL, or files on SQLite."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self._workdir = workdir
        self._run = f"smsgw_t{uuid.uuid4().hex[:8]}"
        self._created: list[str] = []

    async def create(self, service: str) -> str:
        """A new, migrated database for `service`; returns its SQLAlchemy URL."""
        name = f"{self._run}_{service}_{len(self._created)}"
        self._created.append(name)  # on SQLite too: the count keeps each file its own
        if self.backend == "postgresql":
            connection = await asyncpg.connect(ADMIN_URL)
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()
            url = _ADMIN.set(drivername="postgresql+asyncpg", database=name).render_as_string(
                hide_password=False
            )
        else:
            url = f"sqlite+aiosqlite:///{self._workdir / name}.db"
        await asyncio.to_thread(migrate, service, url)
        return url

    async def drop_all(self) -> None:
        if self.backend != "postgresql" or not self._created:
            return
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            for name in self._created:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def migrate(service: str, url: str, *command: str) -> None:
    """Runs `alembic <command>` (by default `upgrade head`) on the service's database."""
    env = {**os.environ, f"{service.upper()}_DATABASE_URL": url}
    alembic_ini = str(ROOT / "services" / service / "alembic.ini")
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", alembic_ini, *(command or ("upgrade", "head"))],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrating {service} failed:\n{result.stderr}")
