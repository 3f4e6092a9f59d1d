"""The control channel of a running `make dev`: a Unix socket in the var dir, one JSON request
per connection, so `python -m devstack restart dispatch` can reach the launcher's Stack.

A Unix socket rather than a loopback port: only the user who owns the var dir can use it,
and there is no port to choose. `devstack.json` next to it tells clients where it is and
lists the processes with their pids (refreshed by the launcher when anything changes).
"""

import json
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command-line client must start fast: no platform imports for it
    from devstack.stack import Stack

STATE_FILE = "devstack.json"
SOCKET_FILE = "devstack.sock"
COMMANDS = ("status", "restart", "stop", "start", "kill")


class ControlServer:
    def __init__(self, stack: "Stack", var_dir: Path) -> None:
        self.stack = stack
        self.state_file = var_dir / STATE_FILE
        self.socket_path = var_dir / SOCKET_FILE
        self.socket_path.unlink(missing_ok=True)  # left by a launcher that was killed
        self._server = socketserver.ThreadingUnixStreamServer(
            str(self.socket_path), _handler(self._execute)
        )
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="devstack-control", daemon=True
        )
        self._last_status: list[dict[str, object]] = []
        self._state_lock = threading.Lock()  # written by the launcher's loop and by commands

    def start(self) -> None:
        self._thread.start()
        self.write_state()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.socket_path.unlink(missing_ok=True)
        self.state_file.unlink(missing_ok=True)

    def write_state(self) -> None:
        """Rewrite devstack.json if a process's state or pid changed since the last write."""
        with self._state_lock:
            status = self.stack.status()
            if status != self._last_status:
                self._last_status = status
                self._write(status)

    def _write(self, status: list[dict[str, object]]) -> None:
        state = {
            "launcher_pid": os.getpid(),
            "control_socket": str(self.socket_path),
            "gateway_url": self.stack.gateway_url,
            "kafka": self.stack.kafka,
            "processes": status,
        }
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2) + "\n")
        temporary.replace(self.state_file)  # readers never see half a file

    def _execute(self, request: dict[str, Any]) -> dict[str, Any]:
        command, name = request.get("command"), request.get("name")
        try:
            if command == "status":
                return {"ok": True, "processes": self.stack.status()}
            if not isinstance(name, str):
                return {"ok": False, "error": f"{command} needs a process name"}
            if command == "kill":
                self.stack.kill(name, int(request.get("signal", 9)))
            elif command == "stop":
                self.stack.stop_process(name)
            elif command == "start":
                self.stack.start_process(name)
            elif command == "restart":
                self.stack.restart(name)
            else:
                return {"ok": False, "error": f"unknown command {command!r}"}
        except (KeyError, ProcessLookupError) as exc:
            return {"ok": False, "error": str(exc.args[0] if exc.args else exc)}
        finally:
            self.write_state()
        return {"ok": True, "pid": self.stack.pid(name)}


def _handler(execute: Callable[[dict[str, Any]], dict[str, Any]]) -> type:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            try:
                request = json.loads(self.rfile.readline())
                response = execute(request if isinstance(request, dict) else {})
            except ValueError as exc:
                response = {"ok": False, "error": f"bad request: {exc}"}
            self.wfile.write(json.dumps(response).encode() + b"\n")

    return Handler


def send(var_dir: Path, request: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """Send one request to the launcher running with this var dir and return its answer."""
    state_file = var_dir / STATE_FILE
    if not state_file.exists():
        raise ConnectionError(f"no running devstack: {state_file} does not exist")
    socket_path = json.loads(state_file.read_text())["control_socket"]
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        try:
            client.connect(socket_path)
        except OSError as exc:
            raise ConnectionError(f"no devstack launcher answers at {socket_path}") from exc
        client.sendall(json.dumps(request).encode() + b"\n")
        answer: dict[str, Any] = json.loads(client.makefile("rb").readline())
        return answer
