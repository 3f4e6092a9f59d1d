"""KAFKA_* settings: what every Kafka client of a process uses to reach the brokers'
TLS listener as its own KafkaUser (SCRAM-SHA-512), or plaintext for make dev and the tests."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.kafka import KafkaClientSettings, client_options


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text("s3cret\n")  # as mounted from the KafkaUser's Secret
    return path


def test_plaintext_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE"):
        monkeypatch.delenv(var, raising=False)
    assert client_options() == {"security_protocol": "PLAINTEXT"}


async def test_sasl_ssl_verifies_the_broker_and_reads_the_mounted_password(
    monkeypatch: pytest.MonkeyPatch, password_file: Path
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "billing")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD_FILE", str(password_file))
    monkeypatch.setenv("KAFKA_SSL_CAFILE", certifi.where())
    options = client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "billing"
    assert options["sasl_plain_password"] == "s3cret"
    context: ssl.SSLContext = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    # aiokafka accepts the combination (it rejects e.g. a mechanism without SASL).
    AIOKafkaProducer(bootstrap_servers="smsgw-kafka-bootstrap:9093", **options)
    AIOKafkaConsumer(bootstrap_servers="smsgw-kafka-bootstrap:9093", **options)
    # A rotated password (the Secret updated in place) is what the next client uses.
    password_file.write_text("rotated")
    assert client_options()["sasl_plain_password"] == "rotated"


def test_sasl_without_credentials_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.delenv("KAFKA_SASL_PASSWORD_FILE", raising=False)
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "billing")
    with pytest.raises(ValueError, match="KAFKA_SASL_PASSWORD_FILE"):
        KafkaClientSettings()


def test_a_missing_password_file_fails_loudly(tmp_path: Path) -> None:
    settings = KafkaClientSettings(
        security_protocol="SASL_SSL", sasl_username="x", sasl_password_file=tmp_path / "absent"
    )
    with pytest.raises(FileNotFoundError):
        settings.client_options()
