"""Typed settings base: one Settings class per service, each with its own env prefix."""

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from shared.client_address import IpNetwork, parse_networks
from shared.logging import LogFormat

Environment = Literal["development", "test", "production"]


class FileVariablesSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE=/path`: the setting read from variable NAME takes the file's content instead
    (one trailing newline dropped). In the cluster a Secret is mounted as files, so a password
    is in no process environment, `kubectl describe pod` or crash dump. NAME itself, when set
    too, wins: the file is the fallback, never a silent override."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        aliased = field.validation_alias is not None
        for name in self._names(field_name, field):
            path = os.environ.get(f"{name.upper()}_FILE")
            if path:
                # Keyed as the model validates it: by the alias if it has one.
                key = name if aliased else field_name
                return Path(path).read_text().removesuffix("\n"), key, False
        return None, field_name, False

    def _names(self, field_name: str, field: FieldInfo) -> list[str]:
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            return [c for c in alias.choices if isinstance(c, str)]
        if isinstance(alias, str):
            return [alias]
        return [f"{self.config.get('env_prefix', '')}{field_name}"]

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                # A list or a model in a file is JSON, as in the variable itself (unless the
                # field says NoDecode): without this it reached validation as a string.
                values[key] = self.prepare_field_value(field_name, field, value, False)
        return values


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set `model_config` with their own `env_prefix`.
    Every setting may come from a file instead, `<NAME>_FILE` (FileVariablesSource)."""

    model_config = SettingsConfigDict(extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            FileVariablesSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

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
    consumer_fetch_max_wait_ms: int = 25
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
