"""Keeps the platform's processes running the way Kubernetes keeps a pod's containers running:
one that dies is started again with the same command, environment and port, after a back-off
that doubles while it keeps dying and resets once it has stayed up for a while."""

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 10.0
# Up this long counts as healthy again: the next crash restarts after INITIAL_BACKOFF.
STABLE_AFTER = 30.0
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class ProcessSpec:
    """Everything needed to start a process again exactly as the first time."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: Path
    port: int | None = None
    log_path: Path | None = None
    # Without a log file, discard the output instead of mixing it into the launcher's.
    quiet: bool = False


def say(message: str) -> None:
    print(f"devstack: {message}", flush=True)


class Process:
    """One supervised process. `lock` serialises every change of its lifecycle, so the
    supervisor and a test's kill/stop/start can never start it twice."""

    def __init__(self, spec: ProcessSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.lock = threading.RLock()
        self.wanted = False  # should it be running? stop_process() says no
        self.restarts = 0  # restarts by the supervisor after the process died
        self.log: IO[bytes] | None = None
        self._backoff = INITIAL_BACKOFF
        self._started_at = 0.0
        self._restart_at: float | None = None
        self.popen = self._spawn()

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    @property
    def state(self) -> str:
        if self.running:
            return "running"
        return "restarting" if self.wanted else "stopped"

    def _spawn(self) -> subprocess.Popen[bytes]:
        self._kill_leftovers()
        self._close_log()
        if self.spec.log_path:
            self.log = open(self.spec.log_path, "ab")  # noqa: SIM115
        discard = subprocess.DEVNULL if self.spec.quiet else None
        output: IO[bytes] | int | None = self.log or discard
        popen = subprocess.Popen(
            self.spec.argv,
            cwd=self.spec.cwd,
            env=dict(self.spec.env),
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            # Own process group: Ctrl-C in `make dev` reaches the launcher only, which then
            # stops everything in order.
            start_new_session=True,
        )
        self.wanted = True
        self._started_at = time.monotonic()
        self._restart_at = None
        self.popen = popen
        return popen

    def note(self, message: str) -> None:
        """Say it on the launcher's output and in the process's own log, where one looks."""
        say(message)
        if self.spec.log_path:
            with open(self.spec.log_path, "a") as log:
                log.write(f"devstack: {message}\n")

    def start(self) -> bool:
        """Start it unless it runs; False if it was already running."""
        with self.lock:
            if self.running:
                self.wanted = True
                return False
            self._backoff = INITIAL_BACKOFF
            self._spawn()
            return True

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with self.lock:
            if not self.running:
                raise ProcessLookupError(f"{self.name} is not running")
            self.popen.send_signal(sig)

    def signal_stop(self) -> None:
        """Ask it to stop (SIGTERM) and keep it down; wait_stopped() waits for it."""
        with self.lock:
            self.wanted = False
            if self.running:
                self.popen.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = STOP_TIMEOUT) -> None:
        with self.lock:
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
            self._kill_leftovers()
            self._close_log()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        with self.lock:
            self.signal_stop()
            self.wait_stopped(timeout)

    def supervise(self, now: float) -> bool:
        """One look by the supervisor; True when it has just started the process again.
        The caller holds `lock`."""
        if self.running:
            if now - self._started_at >= STABLE_AFTER:
                self._backoff = INITIAL_BACKOFF
            return False
        if not self.wanted:
            return False
        if self._restart_at is None:
            if now - self._started_at >= STABLE_AFTER:
                self._backoff = INITIAL_BACKOFF
            delay = self._backoff
            self._backoff = min(self._backoff * 2, MAX_BACKOFF)
            self._restart_at = now + delay
            self.note(
                f"{self.name} exited with {self.popen.returncode}; "
                f"restarting in {delay:g}s (restart {self.restarts + 1})"
            )
            return False
        if now < self._restart_at:
            return False
        self._spawn()
        self.restarts += 1
        return True

    def _kill_leftovers(self) -> None:
        """Kill what is left of the previous run's process group. A uvicorn parent with
        `--workers` that died of SIGKILL leaves its workers behind, still holding the port
        the new run must bind; each run is its own session, so its group id is its pid."""
        previous: subprocess.Popen[bytes] | None = getattr(self, "popen", None)
        if previous is None or previous.poll() is None:
            return
        try:
            os.killpg(previous.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone: nothing was left behind

    def _close_log(self) -> None:
        if self.log:
            self.log.close()
            self.log = None


class Supervisor:
    """A background thread that restarts every wanted process that has died."""

    def __init__(
        self,
        processes: Callable[[], Iterable[Process]],
        after_restart: Callable[[Process], None],
        interval: float = 0.1,
    ) -> None:
        self._processes = processes
        self._after_restart = after_restart
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devstack-supervisor", daemon=True)

    @property
    def active(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            for process in list(self._processes()):
                # Someone (kill/stop/start/restart) is changing it right now: look next time.
                if not process.lock.acquire(blocking=False):
                    continue
                try:
                    restarted = process.supervise(time.monotonic())
                finally:
                    process.lock.release()
                if restarted:
                    try:
                        self._after_restart(process)
                    except Exception as exc:  # keep supervising the others whatever happens
                        say(f"after restarting {process.name}: {exc!r}")
