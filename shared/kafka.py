"""Kafka clients configured the way every service needs them."""

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


def new_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # acks=all and retries are our durability; duplicates from retries are dropped by the
    # consumers' inbox, because Tansu offers no idempotent producer to rely on.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def new_consumer(
    bootstrap_servers: str,
    group_id: str,
    *topics: str,
    session_timeout_ms: int = 6_000,
    fetch_max_wait_ms: int = 25,
) -> AIOKafkaConsumer:
    # Tansu answers a group's first JoinGroup only after half the session timeout, and
    # start() waits for the assignment: 6 s (Kafka's minimum) keeps that wait at 3 s.
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Tansu holds every fetch for the full max wait even when records are waiting (the
        # default 500 ms made each hop ~250 ms); Kafka answers at once, so a short wait
        # only costs a few more idle fetches there.
        fetch_max_wait_ms=fetch_max_wait_ms,
        max_poll_interval_ms=300_000,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(500, session_timeout_ms // 3),
        metadata_max_age_ms=30_000,
    )


async def ensure_topics(bootstrap_servers: str, topics: list[str], partitions: int) -> None:
    """Create the topics that don't exist yet; safe to call from every service at start."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in topics]
        )
        for name, error_code, message in response.topic_errors:
            if error_code not in (0, TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"cannot create topic {name}: {error_code} {message}")
    finally:
        await admin.close()


async def wait_for_broker(bootstrap_servers: str, timeout: float = 30.0) -> None:
    """Block until the broker answers metadata requests, so start-up order doesn't matter."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
        try:
            await admin.start()
            await admin.close()
            return
        except KafkaConnectionError:
            await admin.close()
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.info("waiting for Kafka at %s", bootstrap_servers)
            await asyncio.sleep(0.5)
