"""A PostgreSQL server of the test's own, in a temporary directory, that the test may stop
and restart at will without disturbing the machine's shared instance (fault tests)."""

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.ports import free_port, wait_for_port

_CANDIDATE_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live, or None when this machine has no PostgreSQL binaries."""
    for directory in _CANDIDATE_BIN_DIRS:
        if (directory / "pg_ctl").exists() and (directory / "initdb").exists():
            return directory
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """initdb + pg_ctl on a free loopback port; trust auth, superuser `postgres`."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
        self._bin = bin_dir
        self.data_dir = data_dir
        self.port = port or free_port()
        self._log = data_dir.parent / f"{data_dir.name}.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def start(self) -> None:
        # fsync off: the tests kill the server, they don't pull the power cord, and what
        # was written survives a killed process in the OS cache. synchronous_commit stays on:
        # off, a crash would lose commits the server had already confirmed, which production
        # never does, and the fault suite would find losses that are its own.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c full_page_writes=off -c max_connections=300"
        )
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self._log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, timeout=30)

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects clients and shuts down cleanly; `immediate` is a crash."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def is_running(self) -> bool:
        result = subprocess.run(
            [*self._as_owner(), str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            env=self._env(),
        )
        return result.returncode == 0

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self._as_owner(), str(self._bin / tool), *args],
            capture_output=True,
            text=True,
            env=self._env(),
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr[-2000:]}")

    def _as_owner(self) -> list[str]:
        """PostgreSQL refuses to run as root (CI runs as root): then run it as the machine's
        `postgres` user, owning the data directory."""
        if os.geteuid() != 0:
            return []
        owner = pwd.getpwnam("postgres")
        for path in (self.data_dir.parent, self.data_dir):
            if path.exists():
                os.chown(path, owner.pw_uid, owner.pw_gid)
        if not self._log.exists():
            self._log.touch()
        os.chown(self._log, owner.pw_uid, owner.pw_gid)
        return ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]

    @staticmethod
    def _env() -> dict[str, str]:
        return {**os.environ, "LC_ALL": "C.UTF-8"}


@contextmanager
def temporary_postgres(prefix: str = "smsgw-pg-") -> Iterator[PostgresServer]:
    """A running server in a fresh directory, removed afterwards. Not under pytest's tmp_path:
    run as root, the server runs as `postgres`, who can't enter pytest's private temp root."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    server = PostgresServer(workdir / "data")
    try:
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            server.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
