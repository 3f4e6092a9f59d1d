from ipaddress import IPv4Network, IPv6Network
from typing import Annotated, Any
from uuid import UUID

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared.body_limit import DEFAULT_MAX_BODY_BYTES
from shared.file_settings import FileSettings
from shared.logging import LogFormat

Network = IPv4Network | IPv6Network


class GatewaySettings(FileSettings):
    """Every setting may come from a file instead, `<NAME>_FILE` (shared.file_settings): in
    the cluster a Redis URL with a password, say, from a mounted Secret."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000  # read by launchers (devstack, uvicorn command lines), not by the app
    auth_url: str = "http://127.0.0.1:8001"
    contacts_url: str = "http://127.0.0.1:8002"
    dispatch_url: str = "http://127.0.0.1:8003"
    billing_url: str = "http://127.0.0.1:8004"
    dlr_url: str = "http://127.0.0.1:8005"
    jwt_issuer: str = "smsgw-auth"
    jwt_audience: str = "smsgw"
    # auth's keys are re-fetched this often, so a key auth retired stops being trusted;
    # a token naming an unknown kid re-fetches early, at most once per min_refresh.
    jwks_refresh_seconds: float = Field(default=300.0, gt=0)
    jwks_min_refresh_seconds: float = Field(default=10.0, ge=0)
    # A key set that cannot be re-fetched is dropped at this age (keep it above the access
    # token's lifetime: every token signed before auth became unreachable has expired).
    jwks_max_age_seconds: float = Field(default=3600.0, gt=0)
    upstream_timeout_seconds: float = 30
    connect_timeout_seconds: float = 3
    max_connections: int = 200
    # Requests served at once by one process; past it, 503 `overloaded` with Retry-After
    # at once (gateway.admission). Sized to what the platform serves, by Little's law: the
    # queue it allows is max_in_flight / throughput seconds long (docs/performance.md).
    # 0: no limit.
    max_in_flight: int = Field(default=128, ge=0)
    overload_retry_after_seconds: int = Field(default=1, ge=1)
    # Bodies above this are refused with 413 before they reach a service (Content-Length
    # up front, chunked bodies as they stream); the default is explained where it is set.
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=0)
    # The whole body must arrive within this from the request's start, or 408: slow
    # uploads must not hold connections and upstream sockets. 30 s carries the 4 MiB limit
    # over about 1.1 Mbit/s.
    body_timeout_seconds: float = Field(default=30.0, gt=0)
    # The contact imports' upload route (issue 11 item 3) takes files up to contacts' own
    # limit (200 MiB by default) plus multipart framing, with time to send them.
    import_max_body_bytes: int = Field(default=201 * 1024 * 1024, ge=0)
    import_body_timeout_seconds: float = Field(default=900.0, gt=0)
    # Peers (CIDRs, comma-separated) whose X-Forwarded-For/-Proto are believed: the
    # ingress controller's pods. Anyone else is the client itself, whatever it claims.
    trusted_proxies: Annotated[list[Network], NoDecode] = Field(default_factory=list)
    # Origins of the web app allowed to call the API from a browser (comma-separated).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Strict-Transport-Security max-age; 0 sends none. Set it only where clients reach the
    # edge over HTTPS alone (the production ingress terminates TLS).
    hsts_seconds: int = Field(default=0, ge=0)
    # Requests per second per account (per client IP without a valid token), with bursts
    # of up to rate_limit_burst at once; 0 turns the limits off.
    rate_limit_per_second: float = Field(default=50.0, ge=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    # Per-account exceptions, JSON {"<account id>": per_second} (0: unlimited); the same
    # burst. Price plans will set these once billing has them.
    rate_limit_overrides: dict[UUID, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    # Requests per second per API key, with bursts of up to api_key_rate_limit_burst, on top
    # of its account's limit; 0 (the default): an account's keys share its budget.
    api_key_rate_limit_per_second: float = Field(default=0.0, ge=0)
    api_key_rate_limit_burst: int = Field(default=100, ge=1)
    # Shared by the platform (auth's login limits use it too), so read without the prefix.
    # Set, the counters live in Redis and every replica shares them; unset, in memory.
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "GATEWAY_REDIS_URL", "redis_url"),
    )
    # Prepended to every counter's key in Redis (several platforms may share one Redis).
    rate_limit_key_prefix: str = "smsgw:"
    # The broker auth publishes API keys to (read without the prefix, as by the services).
    # Unset, the gateway accepts no API keys, only access tokens.
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "GATEWAY_KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"
        ),
    )
    # API keys are refused (503) when the key projection has not heard from the broker for
    # this long: a replica cut off from revocations must not go on trusting keys.
    api_keys_max_lag_seconds: float = Field(default=5.0, gt=0)
    # Each request to a service route goes to the activity log (gateway.activity, kept by
    # auth a month at most); needs the broker. Off: nothing is recorded.
    activity_log: bool = True
    log_level: str = "INFO"
    # Prometheus metrics on a port of their own (0: none): every path of the main port is
    # public through the ingress, and request figures are not the internet's business.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "0.0.0.0"
    log_format: LogFormat = Field(
        default="json", validation_alias=AliasChoices("LOG_FORMAT", "log_format")
    )

    @field_validator("trusted_proxies", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _bare_origins(cls, origins: list[str]) -> list[str]:
        # Browsers send the Origin without a trailing slash; a copied URL often has one.
        return [origin.rstrip("/") for origin in origins]

    @property
    def jwks_url(self) -> str:
        return f"{self.auth_url.rstrip('/')}/.well-known/jwks.json"

    def upstreams(self) -> dict[str, str]:
        """Base URL of every service by name."""
        urls = {
            "auth": self.auth_url,
            "contacts": self.contacts_url,
            "dispatch": self.dispatch_url,
            "billing": self.billing_url,
            "dlr": self.dlr_url,
        }
        return {name: url.rstrip("/") for name, url in urls.items()}
