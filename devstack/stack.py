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

import httpx

from devstack.broker import broker_command, recreate_topics
from devstack.ports import free_port, wait_for_port
from devstack.supervisor import Process, ProcessSpec, Supervisor

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("auth", "contacts", "dispatch", "billing", "dlr")
INFRASTRUCTURE = ("broker", "smsc")
# HTTP processes that may run several uvicorn workers (`<NAME>_WORKERS`); the SMPP connector
# is not among them: it holds the binds and must stay one process.
HTTP_PROCESSES = (*SERVICES, "gateway")
PYTHONPATH = os.pathsep.join(
    [str(ROOT), *(str(ROOT / "services" / name) for name in SERVICES), str(ROOT / "gateway")]
)

__all__ = ["ROOT", "SERVICES", "Process", "Stack", "StackConfig"]


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
    # Restart a process that dies (with back-off), as Kubernetes would.
    supervise: bool = True
    # Serve the simulator's HTTP control API (`--control-port`) at stack.smsc_control_url.
    smsc_control: bool = False
    # uvicorn workers per HTTP process (`<NAME>_WORKERS`, default 1); see HTTP_PROCESSES.
    workers: Mapping[str, int] = field(default_factory=dict)

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
            workers=workers_from_environment(env),
        )


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: list[Process] = []
        # Every port is chosen up front, so each process's environment names all its peers
        # and a restarted process comes back where they expect it.
        self.ports: dict[str, int] = {name: free_port() for name in SERVICES}
        self.broker_port = 0 if config.kafka_bootstrap_servers else free_port()
        self.kafka = config.kafka_bootstrap_servers or f"127.0.0.1:{self.broker_port}"
        self.smpp_host = config.smpp_host or "127.0.0.1"
        self.smpp_port = config.smpp_port if config.smpp_host else free_port()
        self.smsc_control_port = free_port() if config.smsc_control else 0
        self.gateway_port = config.gateway_port or free_port()
        self._supervisor: Supervisor | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://{self.config.gateway_host}:{self.gateway_port}"

    @property
    def smsc_control_url(self) -> str | None:
        if not self.smsc_control_port or self.config.smpp_host:
            return None
        return f"http://127.0.0.1:{self.smsc_control_port}"

    def database_url(self, service: str) -> str:
        default = f"sqlite+aiosqlite:///{self.config.var_dir / f'{service}.db'}"
        return self.config.database_urls.get(service, default)

    # --- start and stop the whole platform ---------------------------------------------

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
        # Only now: a process that fails while the platform starts is a start failure.
        if self.config.supervise:
            self._supervisor = Supervisor(lambda: self.processes, self._after_restart)
            self._supervisor.start()

    def _start_infrastructure(self) -> None:
        if not self.config.kafka_bootstrap_servers:
            self._spawn("broker", broker_command(self.kafka), port=self.broker_port, quiet=True)
            wait_for_port("127.0.0.1", self.broker_port, timeout=20)
        if not self.config.smpp_host:
            control = (
                ["--control-port", str(self.smsc_control_port)] if self.smsc_control_port else []
            )
            self._spawn("smsc", [
                sys.executable, "-m", "smsc_simulator", "--host", "127.0.0.1",
                "--port", str(self.smpp_port), "--system-id", self.config.smpp_system_id,
                "--password", self.config.smpp_password, *control, *self.config.simulator_args,
            ], port=self.smpp_port)  # fmt: skip
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
            factory = f"{name}_service.main:create_app"
            argv = self._uvicorn(factory, self.ports[name], workers=self.workers(name))
            self._spawn(name, argv, port=self.ports[name])
        self._spawn("smpp", [sys.executable, "-m", "dispatch_service.smpp.worker"], "dispatch")
        self._spawn("webhooks", [sys.executable, "-m", "dlr_service.webhooks"], "dlr")
        self._spawn(
            "gateway",
            [
                *self._uvicorn(
                    "gateway.main:create_app",
                    self.gateway_port,
                    self.config.gateway_host,
                    workers=self.workers("gateway"),
                ),
                # The gateway decides itself whose X-Forwarded-For it believes
                # (GATEWAY_TRUSTED_PROXIES); uvicorn's own default trusts loopback.
                "--no-proxy-headers",
            ],
            port=self.gateway_port,
        )

    def workers(self, name: str) -> int:
        return max(1, self.config.workers.get(name, 1))

    def _uvicorn(
        self, factory: str, port: int, host: str = "127.0.0.1", workers: int = 1
    ) -> list[str]:
        # uvloop and httptools explicitly: `auto` would silently fall back to asyncio and
        # h11 (slower per request) if they went missing; this way a start fails loudly.
        argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", host,
                "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                "--no-access-log", "--log-level", "warning"]  # fmt: skip
        if workers > 1:
            # uvicorn's parent process owns the port and restarts a worker that dies; the
            # supervisor sees (and restarts) only the parent, on the same port.
            argv += ["--workers", str(workers)]
        return argv

    def _env(self, service: str) -> dict[str, str]:
        prefix = service.upper()
        auth = f"http://127.0.0.1:{self.ports['auth']}"
        env = {
            # The walkthrough sends as any sender without asking an operator first; set it
            # to true to try the approval workflow (/v1/senders, /v1/ops/senders).
            "DISPATCH_SENDER_APPROVAL_REQUIRED": "false",
            # Batches of any size without an operator enabling mass mailing first
            # (/v1/ops/bulk-permissions); the production default is 100.
            "DISPATCH_BULK_RECIPIENTS_THRESHOLD": "0",
            # Sign-up without e-mail verification, and mail into .var/mail (read it with
            # shared.mail.read_maildir or any Maildir reader); the caller's environment
            # wins, to try the `verified` flow locally.
            "AUTH_SIGNUP_POLICY": "open",
            "MAIL_MAILDIR": str(self.config.var_dir / "mail"),
            # Marketing mail's unsubscribe link, at this gateway (docs/notifications.md).
            "AUTH_UNSUBSCRIBE_URL": f"http://127.0.0.1:{self.gateway_port}"
            "/v1/public/mail-unsubscribe?token={token}",
            # Text lines for a terminal; production logs JSON (LOG_FORMAT=json, the default).
            "LOG_FORMAT": "text",
            **os.environ,
            "PYTHONPATH": PYTHONPATH,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            f"{prefix}_JWKS_URL": f"{auth}/.well-known/jwks.json",
            "AUTH_DEV_KEY_FILE": str(self.config.var_dir / "auth-signing-key.pem"),
            # Quotes ask billing for prices (its internal route).
            "DISPATCH_BILLING_URL": f"http://127.0.0.1:{self.ports['billing']}",
            # Privacy exports gather dispatch's and dlr's parts from their internal routes,
            # which want this token (production's comes from a Secret).
            "CONTACTS_DISPATCH_URL": f"http://127.0.0.1:{self.ports['dispatch']}",
            "CONTACTS_DLR_URL": f"http://127.0.0.1:{self.ports['dlr']}",
            "INTERNAL_TOKEN": "devstack-internal-token",
            # Top-ups' checkout links and the test provider's webhook go through the gateway.
            "BILLING_PUBLIC_URL": self.gateway_url,
            "SMPP_HOST": self.smpp_host,
            "SMPP_PORT": str(self.smpp_port),
            "SMPP_SYSTEM_ID": self.config.smpp_system_id,
            "SMPP_PASSWORD": self.config.smpp_password,
            # Everything here runs on loopback, so must a receiver an integrator tries out
            # webhooks (and send callback_urls) with; every other forbidden range stays
            # forbidden (shared/urls.py, dlr's webhooks/ssrf).
            "WEBHOOKS_ALLOW_LOOPBACK": "1",
            **{
                f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{port}"
                for name, port in self.ports.items()
            },  # fmt: skip
            **self.config.extra_env,
        }
        if service in SERVICES:
            env[f"{prefix}_DATABASE_URL"] = self.database_url(service)
        return env

    def _spawn(
        self,
        name: str,
        argv: list[str],
        env_for: str | None = None,
        port: int | None = None,
        quiet: bool = False,
    ) -> None:
        spec = ProcessSpec(
            name=name,
            argv=tuple(argv),
            env=self._env(env_for or name),
            cwd=ROOT,
            port=port,
            log_path=self.log_path(name),
            quiet=quiet,
        )
        self.processes.append(Process(spec))

    def log_path(self, name: str) -> Path | None:
        """The process's log file (appended to across restarts) when logs_to_files is on."""
        if not self.config.logs_to_files:
            return None
        (self.config.var_dir / "logs").mkdir(parents=True, exist_ok=True)
        return self.config.var_dir / "logs" / f"{name}.log"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            supervised = self._supervisor is not None and self._supervisor.active
            for process in self.processes:
                if not supervised and process.wanted and not process.running:
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
            if set(self.readiness().values()) == {"ok"}:
                return
            time.sleep(0.3)
        raise TimeoutError(f"the platform was not ready after {timeout}s: {self.readiness()}")

    def readiness(self) -> dict[str, str]:
        """Each HTTP process's own /readyz, as Kubernetes probes them: the gateway's says
        nothing about the services behind it."""
        urls = {
            "gateway": self.gateway_url,
            **{name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()},
        }
        return {name: _readiness(url) for name, url in urls.items()}

    def stop(self) -> None:
        if self._supervisor:
            self._supervisor.stop()
            self._supervisor = None
        # The services first, so they flush their outboxes and unbind while the broker and
        # the SMSC are still there; then the infrastructure.
        apps = [p for p in self.processes if p.name not in INFRASTRUCTURE]
        _terminate(apps[::-1])
        _terminate([p for p in self.processes if p.name in INFRASTRUCTURE])
        self.processes.clear()

    # --- one process at a time: for fault-injection tests and `python -m devstack` -----

    def process(self, name: str) -> Process:
        for process in self.processes:
            if process.name == name:
                return process
        known = ", ".join(p.name for p in self.processes)
        raise KeyError(f"no process {name!r}; there are: {known}")

    def pid(self, name: str) -> int | None:
        process = self.process(name)
        return process.popen.pid if process.running else None

    @property
    def restarts(self) -> dict[str, int]:
        """How often the supervisor has restarted each process after it died."""
        return {process.name: process.restarts for process in self.processes}

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig`; if the process dies of it, the supervisor (if on) restarts it."""
        self.process(name).kill(sig)

    def stop_process(self, name: str) -> None:
        """Stop it (SIGTERM, then SIGKILL after 15 s) and keep it down until start_process."""
        self.process(name).stop()

    def start_process(self, name: str) -> None:
        """Start it now if it is not running (also cancels a pending back-off)."""
        process = self.process(name)
        with process.lock:
            if process.start():
                process.note(f"{name} started (pid {process.popen.pid})")
                self._after_restart(process)

    def restart(self, name: str) -> None:
        process = self.process(name)
        with process.lock:
            process.stop()
            process.start()
            process.note(f"{name} restarted (pid {process.popen.pid})")
            self._after_restart(process)

    def _after_restart(self, process: Process) -> None:
        if process.name == "smsc":
            reused = "--first-message-id" in self.config.simulator_args
            process.note(
                "the SMSC simulator keeps its state in memory: receipts it had not sent yet "
                "are lost"
                + ("; its message ids start again from --first-message-id" if reused else "")
            )
        if process.name != "broker":
            return
        process.note(
            "the broker runs in memory: it came back without topics or consumer-group "
            "offsets, and events it held that were not yet consumed are lost; "
            "re-creating the topics"
        )
        for problem in recreate_topics(self.kafka):
            process.note(f"a client re-created a topic first: {problem}")

    def status(self) -> list[dict[str, object]]:
        return [
            {
                "name": process.name,
                "state": process.state,
                "pid": process.popen.pid if process.running else None,
                "port": process.spec.port,
                "restarts": process.restarts,
                "exit_code": process.popen.returncode,
                "log": str(process.spec.log_path) if process.spec.log_path else None,
            }
            for process in self.processes
        ]


def workers_from_environment(env: Mapping[str, str]) -> dict[str, int]:
    """`GATEWAY_WORKERS=4`, `DISPATCH_WORKERS=2`, ...: uvicorn workers per HTTP process."""
    workers = {}
    for name in HTTP_PROCESSES:
        value = env.get(f"{name.upper()}_WORKERS", "").strip()
        if not value:
            continue
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{name.upper()}_WORKERS must be a whole number >= 1, not {value!r}")
        workers[name] = int(value)
    return workers


def _terminate(processes: list[Process]) -> None:
    for process in processes:
        process.signal_stop()
    for process in processes:
        process.wait_stopped()


def _readiness(base_url: str) -> str:
    try:
        response = httpx.get(f"{base_url}/readyz", timeout=2)
    except httpx.HTTPError as exc:
        return f"failing: {exc.__class__.__name__}"
    return "ok" if response.status_code == 200 else f"failing: HTTP {response.status_code}"
