"""`make dev`: the whole platform on embedded defaults until Ctrl-C."""

import signal
import sys
import time

from devstack.stack import ROOT, Stack, StackConfig


def main() -> int:
    config = StackConfig.from_environment(ROOT / ".var")
    stack = Stack(config)
    print("starting smsgw: broker, SMSC simulator, migrations, services, gateway ...")
    stack.start()
    print()
    print(f"  gateway   {stack.gateway_url}")
    print(f"  API docs  {stack.gateway_url}/docs")
    print(f"  Kafka     {stack.kafka}" + ("" if config.kafka_bootstrap_servers else " (Tansu)"))
    print(f"  SMSC      {stack.smpp_host}:{stack.smpp_port}"
          + ("" if config.smpp_host else " (simulator)"))  # fmt: skip
    for name, port in stack.ports.items():
        print(f"  {name:<9} http://127.0.0.1:{port}  {stack.database_url(name)}")
    print("\nCtrl-C stops everything.")
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            for process in stack.processes:
                if process.popen.poll() is not None:
                    print(f"{process.name} exited ({process.popen.returncode}); stopping")
                    stopping = True
            time.sleep(0.5)
    finally:
        print("stopping ...")
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
