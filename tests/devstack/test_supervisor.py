"""The supervisor on its own, with tiny shell processes instead of the platform: back-off,
and no double start however kill/stop/start race it."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devstack.ports import free_port
from devstack.supervisor import Process, ProcessSpec, Supervisor


def _shell(tmp_path: Path, script: str) -> ProcessSpec:
    # Every start appends its pid, so the test can see each process ever started.
    return ProcessSpec(
        name="worker",
        argv=("/bin/sh", "-c", f"echo $$ >> {tmp_path / 'pids'}; {script}"),
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        cwd=tmp_path,
        log_path=tmp_path / "worker.log",
    )


@pytest.fixture
def supervised() -> Iterator[list[Process]]:
    processes: list[Process] = []
    supervisor = Supervisor(lambda: processes, after_restart=lambda _: None, interval=0.01)
    supervisor.start()
    yield processes
    supervisor.stop()
    for process in processes:
        process.stop(timeout=5)


def _wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for us: its parent (this test) just hasn't reaped it yet.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_a_crashing_process_is_restarted_with_a_doubling_back_off(
    tmp_path: Path, supervised: list[Process]
) -> None:
    supervised.append(Process(_shell(tmp_path, "exit 3")))

    _wait_until(lambda: supervised[0].restarts >= 3)

    notes = (tmp_path / "worker.log").read_text().splitlines()
    assert notes[:3] == [
        "devstack: worker exited with 3; restarting in 0.5s (restart 1)",
        "devstack: worker exited with 3; restarting in 1s (restart 2)",
        "devstack: worker exited with 3; restarting in 2s (restart 3)",
    ]


def test_kill_stop_and_start_racing_the_supervisor_never_start_it_twice(
    tmp_path: Path, supervised: list[Process]
) -> None:
    process = _RecordingProcess(_shell(tmp_path, "exec sleep 60"))
    supervised.append(process)

    def storm(seed: int) -> None:
        for n in range(40):
            action = (n + seed) % 3
            if action == 0:
                try:
                    process.kill(signal.SIGKILL)
                except ProcessLookupError:
                    pass
            elif action == 1:
                process.stop(timeout=5)
            else:
                process.start()

    threads = [threading.Thread(target=storm, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    process.start()
    time.sleep(1)  # long enough for the supervisor to act on any exit left pending

    # Counted from the launcher's side: under load a shell may die before it writes its pid.
    started = process.started
    assert len(started) > 10  # the storm really did start and kill it many times
    assert [pid for pid in started if _alive(pid)] == [process.popen.pid]


class _RecordingProcess(Process):
    """Remembers the pid of every process it ever started."""

    def _spawn(self) -> "subprocess.Popen[bytes]":
        popen = super()._spawn()
        if not hasattr(self, "started"):
            self.started: list[int] = []
        self.started.append(popen.pid)
        return popen


def _listener_with_a_worker(tmp_path: Path, port: int) -> ProcessSpec:
    # What `uvicorn --workers` does: the parent binds the port, a child serves on the same
    # socket. A parent that cannot bind exits 1, as uvicorn does.
    script = f"""
import os, socket, sys, time
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    sock.bind(("127.0.0.1", {port}))
except OSError:
    sys.exit(1)
sock.listen()
child = os.fork()
with open({str(tmp_path / "children")!r}, "a") as f:
    f.write(f"{{child}}\\n") if child else None
time.sleep(600)
"""
    return ProcessSpec(
        name="listener",
        argv=(sys.executable, "-c", script),
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        cwd=tmp_path,
        port=port,
        log_path=tmp_path / "listener.log",
    )


def test_a_killed_parent_with_workers_comes_back_on_its_port(
    tmp_path: Path, supervised: list[Process]
) -> None:
    port = free_port()
    process = Process(_listener_with_a_worker(tmp_path, port))
    supervised.append(process)
    children = tmp_path / "children"
    _wait_until(lambda: children.exists() and len(children.read_text().split()) == 1)
    worker = int(children.read_text().split()[0])

    try:
        process.kill(signal.SIGKILL)  # the parent only: its worker still holds the port

        _wait_until(lambda: children.exists() and len(children.read_text().split()) == 2)
        assert not _alive(worker)
        time.sleep(1.5)  # longer than the first back-off: a failed bind would show by now
        assert process.running
        assert process.restarts == 1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)  # never leave it behind, whatever happened
