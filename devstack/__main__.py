"""`make dev`: the whole platform on embedded defaults, supervised, until Ctrl-C.

`python -m devstack status | restart NAME | stop NAME | start NAME | kill NAME` controls a
running one (see devstack/control.py).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack.control import COMMANDS, ControlServer, send

VAR_DIR = Path(__file__).resolve().parents[1] / ".var"
WEB_DIR = VAR_DIR.parent / "web"


def start_web_app(gateway_url: str) -> tuple[subprocess.Popen[bytes] | None, str | None]:
    """The personal account's dev server (Vite), proxying the API to the gateway; none when
    the web app is not installed (`make dev` installs it) or Node.js is missing."""
    npx = shutil.which("npx")
    if npx is None or not (WEB_DIR / "node_modules").is_dir():
        return None, None
    port = os.environ.get("WEB_PORT", "5173")
    process = subprocess.Popen(
        [npx, "vite", "--port", port, "--strictPort"],
        cwd=WEB_DIR,
        env={**os.environ, "GATEWAY_URL": gateway_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group: npx runs vite as a child that a signal to npx alone leaves
        # running (holding the port for the next `make dev`); stop_web_app signals the group.
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def stop_web_app(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass  # gone already


def run(var_dir: Path) -> int:
    # Imported here so that the control commands start without loading the platform's kit.
    from devstack.stack import Stack, StackConfig

    config = StackConfig.from_environment(var_dir)
    stack = Stack(config)
    print("starting smsgw: broker, SMSC simulator, migrations, services, gateway ...")
    stack.start()
    control = ControlServer(stack, var_dir)
    control.start()
    web, web_url = start_web_app(stack.gateway_url)
    print()
    if web_url:
        print(f"  web app   {web_url}")
    print(f"  gateway   {stack.gateway_url}")
    print(f"  API docs  {stack.gateway_url}/docs")
    print(f"  Kafka     {stack.kafka}" + ("" if config.kafka_bootstrap_servers else " (Tansu)"))
    print(f"  SMSC      {stack.smpp_host}:{stack.smpp_port}"
          + ("" if config.smpp_host else " (simulator)"))  # fmt: skip
    for name, port in stack.ports.items():
        print(f"  {name:<9} http://127.0.0.1:{port}  {stack.database_url(name)}")
    print("\nA process that dies is restarted. `python -m devstack status` shows them all;")
    print("restart|stop|start|kill NAME acts on one. Ctrl-C stops everything.")
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            control.write_state()  # pids change when the supervisor restarts a process
            time.sleep(0.5)
    finally:
        print("stopping ...")
        if web is not None:
            stop_web_app(web)
        control.stop()
        stack.stop()
    return 0


def control(var_dir: Path, command: str, name: str | None, sig: int) -> int:
    request: dict[str, object] = {"command": command, "name": name, "signal": sig}
    try:
        answer = send(var_dir, request)
    except ConnectionError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(answer.get("error"), file=sys.stderr)
        return 1
    if command == "status":
        print(f"{'process':<9} {'state':<10} {'pid':>7} {'port':>6} {'restarts':>8}")
        for process in answer["processes"]:
            pid, port = process["pid"] or "-", process["port"] or "-"
            state = process["state"]
            print(f"{process['name']:<9} {state:<10} {pid:>7} {port:>6} {process['restarts']:>8}")
    else:
        pid = answer["pid"] if command in ("start", "restart") else None
        print(f"{name}: {command} done" + (f" (pid {pid})" if pid else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--var-dir", type=Path, default=VAR_DIR)
    parser.add_argument("command", nargs="?", choices=COMMANDS, help="omit to run the platform")
    parser.add_argument("name", nargs="?", help="process: auth, dispatch, smpp, gateway, ...")
    parser.add_argument("--signal", default="KILL", help="for kill: KILL, TERM, INT, ...")
    args = parser.parse_args(argv)
    if args.command is None:
        return run(args.var_dir)
    if args.command != "status" and not args.name:
        parser.error(f"{args.command} needs a process name")
    sig = signal.Signals[f"SIG{args.signal.upper().removeprefix('SIG')}"]
    return control(args.var_dir, args.command, args.name, int(sig))


if __name__ == "__main__":
    sys.exit(main())
