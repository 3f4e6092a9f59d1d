"""The whole platform as processes on loopback: what `make dev`, the end-to-end test and
the benchmark all run."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from devstack.broker import start_broker
from devstack.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("auth", "contacts", "dispatch", "billing", "dlr")
PYTHONPATH = os.pathsep.join(
    [str(ROOT), *(str(ROOT / "services" / name) for name in SERVICES), str(ROOT / "gateway")]
)


@dataclass
class StackConfig:
    var_dir: Path
    gateway_port: int = 8000
    gateway_host: str = "127.0.0.1"
    # None = start our own: SQLite files, an in-memory Tansu, the SMSC simulator.
    database_urls: Mapping[str, str] = field(default_factory=dict)
    kafka_bootstrap_servers: str | None = None
    smpp_host: str | None = None
    smpp_port: int = 2775
    smpp_system_id: str = "smsgw"
    smpp_password: str = "secret"
    simulator_args: tuple[str, ...] = ()
    extra_env: Mapping[str, str] = field(default_factory=dict)
    logs_to_files: bool = False

    @classmethod
    def from_environment(cls, var_dir: Path) -> "StackConfig":
        env = os.environ
        return cls(
            var_dir=var_dir,
            gateway_port=int(env.get("GATEWAY_PORT", "8000")),
            gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
            database_urls={
                name: env[f"{name.upper()}_DATABASE_URL"]
                for name in SERVICES
                if env.get(f"{name.upper()}_DATABASE_URL")
            },
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            smpp_host=env.get("SMPP_HOST") or None,
            smpp_port=int(env.get("SMPP_PORT", "2775")),
            smpp_system_id=env.get("SMPP_SYSTEM_ID", "smsgw"),
            smpp_password=env.get("SMPP_PASSWORD", "secret"),
        )


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: IO[bytes] | None = None


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: list[Process] = []
        self.ports: dict[str, int] = {}
        self.kafka = config.kafka_bootstrap_servers or ""
        self.smpp_host = config.smpp_host or "127.0.0.1"
        self.smpp_port = config.smpp_port
        self.gateway_port = config.gateway_port or free_port()

    @property
    def gateway_url(self) -> str:
        return f"http://{self.config.gateway_host}:{self.gateway_port}"

    def database_url(self, service: str) -> str:
        default = f"sqlite+aiosqlite:///{self.config.var_dir / f'{service}.db'}"
        return self.config.database_urls.get(service, default)

    def start(self, ready_timeout: float = 90.0) -> None:
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_infrastructure()
            self._migrate()
            self._start_services()
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _start_infrastructure(self) -> None:
        if not self.config.kafka_bootstrap_servers:
            broker, self.kafka = start_broker(log_file=self._log_path("broker"))
            self.processes.append(Process("broker", broker))
        if not self.config.smpp_host:
            self.smpp_port = free_port()
            self._spawn("smsc", [
                "-m", "smsc_simulator", "--host", "127.0.0.1", "--port", str(self.smpp_port),
                "--system-id", self.config.smpp_system_id,
                "--password", self.config.smpp_password, *self.config.simulator_args,
            ])  # fmt: skip
            wait_for_port("127.0.0.1", self.smpp_port)

    def _migrate(self) -> None:
        running = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "alembic",
                    "-c",
                    str(ROOT / "services" / name / "alembic.ini"),
                    "upgrade",
                    "head",
                ],
                env=self._env(name),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            for name in SERVICES
        ]
        for name, process in zip(SERVICES, running, strict=True):
            output, _ = process.communicate(timeout=120)
            if process.returncode != 0:
                raise RuntimeError(f"migrating {name} failed:\n{output.decode()}")

    def _start_services(self) -> None:
        for name in SERVICES:
            self.ports[name] = free_port()
            self._spawn(name, self._uvicorn(f"{name}_service.main:create_app", self.ports[name]))
        self._spawn("smpp", ["-m", "dispatch_service.smpp.worker"], env_for="dispatch")
        self._spawn(
            "gateway",
            self._uvicorn("gateway.main:create_app", self.gateway_port, self.config.gateway_host),
        )

    def _uvicorn(self, factory: str, port: int, host: str = "127.0.0.1") -> list[str]:
        return ["-m", "uvicorn", "--factory", factory, "--host", host, "--port", str(port),
                "--no-access-log", "--log-level", "warning"]  # fmt: skip

    def _env(self, service: str) -> dict[str, str]:
        prefix = service.upper()
        auth = f"http://127.0.0.1:{self.ports.get('auth', 0)}"
        env = {
            **os.environ,
            "PYTHONPATH": PYTHONPATH,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            f"{prefix}_JWKS_URL": f"{auth}/.well-known/jwks.json",
            "AUTH_DEV_KEY_FILE": str(self.config.var_dir / "auth-signing-key.pem"),
            "SMPP_HOST": self.smpp_host,
            "SMPP_PORT": str(self.smpp_port),
            "SMPP_SYSTEM_ID": self.config.smpp_system_id,
            "SMPP_PASSWORD": self.config.smpp_password,
            **{
                f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                for name, port in self.ports.items()
            },  # fmt: skip
            **self.config.extra_env,
        }
        if service in SERVICES:
            env[f"{prefix}_DATABASE_URL"] = self.database_url(service)
        return env

    def _spawn(self, name: str, args: list[str], env_for: str | None = None) -> None:
        log_path = self._log_path(name)
        log = open(log_path, "ab") if log_path else None  # noqa: SIM115
        popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self._env(env_for or name),
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            # Own process group: Ctrl-C in `make dev` reaches us once, and we stop the rest.
            start_new_session=True,
        )
        self.processes.append(Process(name, popen, log))

    def _log_path(self, name: str) -> Path | None:
        if not self.config.logs_to_files:
            return None
        (self.config.var_dir / "logs").mkdir(parents=True, exist_ok=True)
        return self.config.var_dir / "logs" / f"{name}.log"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.popen.poll() is not None:
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
            try:
                if httpx.get(f"{self.gateway_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"the platform was not ready after {timeout}s")

    def stop(self) -> None:
        # The services first, so they flush their outboxes and unbind while the broker and
        # the SMSC are still there; then the infrastructure.
        infrastructure = {"broker", "smsc"}
        apps = [p for p in self.processes if p.name not in infrastructure]
        _terminate(apps[::-1])
        _terminate([p for p in self.processes if p.name in infrastructure])
        self.processes.clear()


def _terminate(processes: list[Process]) -> None:
    for process in processes:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()
        if process.log:
            process.log.close()
