"""Kafka clients configured the way every service needs them."""

import asyncio
import logging
from pathlib import Path
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError
from aiokafka.helpers import create_ssl_context
from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


class KafkaClientSettings(BaseSettings):
    """How every Kafka client of the process authenticates, read from KAFKA_* once per client.

    Plaintext and anonymous by default, which is what Tansu in `make dev` and the tests speak.
    In the cluster the brokers' listener is TLS with SCRAM-SHA-512 (k8s/base/kafka): each
    service is a KafkaUser whose ACLs allow only its own topics, so a pod cannot publish
    another service's events (a forged charge.authorized would send uncharged messages)."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    sasl_username: str = ""
    # A file, not a variable: the Secret Strimzi generates for the KafkaUser is mounted, so
    # the password is in no process environment (nor in `kubectl describe pod`), and a
    # restarted pod picks up a rotated one.
    sasl_password_file: Path | None = None
    # The cluster CA that signed the brokers' certificates (Secret <cluster>-cluster-ca-cert).
    # Unset: the system's trust store. The broker's host name is always verified.
    ssl_cafile: Path | None = None

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> "KafkaClientSettings":
        if self.security_protocol.startswith("SASL_") and not (
            self.sasl_username and self.sasl_password_file
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs "
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE"
            )
        return self

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.security_protocol in ("SSL", "SASL_SSL"):
            cafile = str(self.ssl_cafile) if self.ssl_cafile else None
            options["ssl_context"] = create_ssl_context(cafile=cafile)
        if self.security_protocol.startswith("SASL_"):
            assert self.sasl_password_file is not None  # checked at validation
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            # Read at each connection, not at start: mounted Secrets are updated in place.
            options["sasl_plain_password"] = self.sasl_password_file.read_text().strip()
        return options


def client_options() -> dict[str, Any]:
    """The security options from this process's environment."""
    return KafkaClientSettings().client_options()


def new_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # acks=all and retries are our durability; duplicates from retries are dropped by the
    # consumers' inbox, because Tansu offers no idempotent producer to rely on.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        **client_options(),
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
        **client_options(),
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
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options())
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
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **client_options())
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
