"""One connector per SMSC link, whatever the replica count says.

Two connectors on one link would claim different parts (SKIP LOCKED) but bind twice, and
many SMSCs allow one bind per account; worse, after a failover both could resend the same
unanswered parts. So a connector holds a lock per link while it sends: a PostgreSQL
session-level advisory lock on a connection of its own (gone with the process or its
connection), or on SQLite an fcntl lock on a file next to the database.
"""

import asyncio
import contextlib
import fcntl
import logging
import re
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# The advisory lock's first key half: "SMPP", so it can't collide with other users' locks.
_LOCK_CLASS = 0x534D5050
RETRY_SECONDS = 1.0
CHECK_SECONDS = 2.0
REGAIN_RETRY_SECONDS = 0.2


class LinkLockLost(Exception):
    """The lock's connection died: another connector may take the link over now."""


def lock_key(link: str) -> int:
    # crc32 is stable across processes (unlike hash()); as a signed int4 for PostgreSQL.
    key = zlib.crc32(link.encode())
    return key - (1 << 32) if key >= 1 << 31 else key


class LinkLock:
    """`async with LinkLock(...).held():` waits for the lock; `watch()` raises when lost."""

    def __init__(self, engine: AsyncEngine, link: str) -> None:
        self._engine = engine
        self._link = link
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None
        self._gone = asyncio.Event()  # set by the driver the moment the connection drops

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator["LinkLock"]:
        if self._engine.dialect.name == "postgresql":
            await self._acquire_advisory()
        else:
            await self._acquire_file()
        try:
            yield self
        finally:
            await self._release()

    async def watch(self) -> None:
        """Returns never; raises LinkLockLost once the lock can't be vouched for."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._gone.wait(), CHECK_SECONDS)
            if self._connection is None:
                continue  # a file lock lasts as long as the process
            try:
                if self._gone.is_set():
                    raise ConnectionError("the server closed the connection")
                # Bounded: a connection that hangs can't vouch for the lock either.
                async with asyncio.timeout(CHECK_SECONDS):
                    await self._connection.execute(text("SELECT 1"))
                    await self._connection.commit()
            except Exception as exc:
                lost = f"lock connection for SMPP link {self._link!r} failed: {exc}"
                raise LinkLockLost(lost) from exc

    async def regain(self, within: float) -> bool:
        """After LinkLockLost: takes the lock again on a new connection if nobody else has
        it, trying for `within` seconds while the database is away. False when another
        connector holds it (or our dead session still does) or the time runs out."""
        old, self._connection = self._connection, None
        if old is not None:
            await _discard(old)  # closing it for good lets go of whatever it still held
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (remaining := deadline - loop.time()) > 0:
            connection: AsyncConnection | None = None
            try:
                async with asyncio.timeout(remaining):
                    connection = await self._engine.connect()
                    got = await connection.scalar(
                        text("SELECT pg_try_advisory_lock(:class, :key)"),
                        {"class": _LOCK_CLASS, "key": lock_key(self._link)},
                    )
                    await connection.commit()
            except Exception:
                if connection is not None:
                    await _discard(connection)
                await asyncio.sleep(min(REGAIN_RETRY_SECONDS, max(remaining, 0)))
                continue
            if got:
                await self._hold(connection)
                log.info("took the lock of SMPP link %r back", self._link)
                return True
            await connection.close()
            log.warning("another connector took SMPP link %r", self._link)
            return False
        return False

    async def _acquire_advisory(self) -> None:
        waiting_logged, delay = False, RETRY_SECONDS
        while True:
            connection: AsyncConnection | None = None
            try:
                connection = await self._engine.connect()
                got = await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:class, :key)"),
                    {"class": _LOCK_CLASS, "key": lock_key(self._link)},
                )
                # Session-level: the lock outlives this transaction; don't sit idle in one.
                await connection.commit()
            except Exception as exc:
                if connection is not None:
                    await _discard(connection)
                log.warning("cannot take the SMPP link lock (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if got:
                await self._hold(connection)
                log.info("holding the lock of SMPP link %r", self._link)
                return
            await connection.close()
            if not waiting_logged:
                log.warning(
                    "another connector holds SMPP link %r; waiting until it goes", self._link
                )
                waiting_logged = True
            await asyncio.sleep(RETRY_SECONDS)

    async def _hold(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._gone = gone = asyncio.Event()
        # Polling alone would notice a dead connection up to CHECK_SECONDS late, and every
        # submit_sm in that time could go out after another connector took the link. asyncpg
        # tells us as soon as the socket closes (the server stopping, crashing or ending the
        # session all close it); other drivers fall back to the periodic check.
        with contextlib.suppress(Exception):
            raw = await connection.get_raw_connection()
            listen = getattr(raw.driver_connection, "add_termination_listener", None)
            if listen is not None:
                listen(lambda _connection: gone.set())

    async def _acquire_file(self) -> None:
        database = make_url(str(self._engine.url)).database
        if not database or database == ":memory:":
            return  # an in-memory database can't be shared by two processes anyway
        safe_link = re.sub(r"[^A-Za-z0-9_.-]", "_", self._link)
        path = Path(database).with_name(f"{Path(database).name}.smpp-{safe_link}.lock")
        handle = path.open("ab")
        waiting_logged = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not waiting_logged:
                    log.warning(
                        "another connector holds SMPP link %r (%s); waiting until it goes",
                        self._link,
                        path,
                    )
                    waiting_logged = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            except BaseException:
                handle.close()
                raise
            self._file = handle
            log.info("holding the lock of SMPP link %r (%s)", self._link, path)
            return

    async def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:class, :key)"),
                    {"class": _LOCK_CLASS, "key": lock_key(self._link)},
                )
                await connection.commit()
                await connection.close()
            except Exception:
                # Closing the connection for good releases a session lock just as well.
                await _discard(connection)
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()  # closing the descriptor drops the flock


async def _discard(connection: AsyncConnection) -> None:
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()
