"""Typed settings base: one Settings class per service, each with its own env prefix."""

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.client_address import IpNetwork, parse_networks
from shared.file_settings import FileSettings
from shared.logging import LogFormat

Environment = Literal["development", "test", "production"]


class ServiceSettings(FileSettings):
    """Fields every service has. Subclasses set `model_config` with their own `env_prefix`.
    Every setting may come from a file instead, `<NAME>_FILE` (shared.file_settings)."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Environment = "development"
    database_url: str = "sqlite+aiosqlite:///./.var/service.db"
    # Shared by the whole platform, so it is read without the service prefix.
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    # Topics are Strimzi resources in production; locally each service creates what it uses.
    create_topics: bool = True
    topic_partitions: int = 3
    consumer_batch_size: int = 500
    consumer_session_timeout_ms: int = 6_000
    # How long the broker may hold a fetch that finds nothing new. Tansu holds every fetch
    # this long even when records are waiting, so a consumer on the message path asks every
    # 25 ms; one off it (audit and activity records, consent, notifications) asks twice a
    # second: each idle fetch costs the broker and the consumer CPU that messages then lack
    # (docs/performance.md, "The platform's idle cost").
    consumer_fetch_max_wait_ms: int = Field(default=25, gt=0)
    consumer_background_fetch_max_wait_ms: int = Field(default=500, gt=0)
    outbox_batch_size: int = 500
    # Inbox ids are kept this long to drop redeliveries: an event redelivered later than this
    # (a consumer that far behind) would be handled again, so keep it at least the topics'
    # retention. Re-driven dead letters don't depend on it: they go to one consumer only.
    inbox_retention_days: float = Field(default=7.0, gt=0)
    inbox_prune_interval_seconds: float = Field(default=3600.0, gt=0)
    inbox_prune_batch_size: int = Field(default=5_000, gt=0)
    # How often outbox depth and age and inbox size are measured for /metrics.
    metrics_interval_seconds: float = Field(default=15.0, gt=0)
    log_level: str = "INFO"
    # One setting for the whole platform: JSON lines in production, text in `make dev`.
    log_format: LogFormat = Field(
        default="json", validation_alias=AliasChoices("LOG_FORMAT", "log_format")
    )
    # What one service shows another on /internal/ routes that hand out personal data
    # (shared.internal). One secret for the platform, so read without the service prefix;
    # unset, those routes refuse every caller (and contacts' exports fail, saying so).
    internal_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("INTERNAL_TOKEN", "internal_token")
    )

    @model_validator(mode="after")
    def _normalise_database_url(self) -> "ServiceSettings":
        # Operators (CloudNativePG) hand out plain postgresql:// URIs; we talk asyncpg.
        for plain in ("postgresql://", "postgres://"):
            if self.database_url.startswith(plain):
                self.database_url = "postgresql+asyncpg://" + self.database_url[len(plain) :]
        return self


class VerifyingServiceSettings(ServiceSettings):
    """A service that checks bearer tokens issued by auth."""

    jwks_url: str = "http://127.0.0.1:8001/.well-known/jwks.json"
    jwt_issuer: str = "smsgw-auth"
    jwt_audience: str = "smsgw"
    # Peers whose X-Forwarded-For is believed (the gateway, which appends the client as the
    # rightmost entry), for the client address of audit records. Comma-separated CIDRs.
    trusted_proxies: str = "127.0.0.1/32,::1/128"

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        return parse_networks(self.trusted_proxies)
