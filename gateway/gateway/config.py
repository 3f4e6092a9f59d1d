from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.body_limit import DEFAULT_MAX_BODY_BYTES


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000  # read by launchers (devstack, uvicorn command lines), not by the app
    auth_url: str = "http://127.0.0.1:8001"
    contacts_url: str = "http://127.0.0.1:8002"
    dispatch_url: str = "http://127.0.0.1:8003"
    billing_url: str = "http://127.0.0.1:8004"
    dlr_url: str = "http://127.0.0.1:8005"
    jwt_issuer: str = "smsgw-auth"
    jwt_audience: str = "smsgw"
    upstream_timeout_seconds: float = 30
    connect_timeout_seconds: float = 3
    max_connections: int = 200
    # Bodies above this are refused with 413 before they reach a service (Content-Length
    # up front, chunked bodies as they stream); the default is explained where it is set.
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=0)
    log_level: str = "INFO"

    @property
    def jwks_url(self) -> str:
        return f"{self.auth_url.rstrip('/')}/.well-known/jwks.json"

    def upstreams(self) -> dict[str, str]:
        """Base URL of every service by name; dlr has no public route but gates readiness."""
        urls = {
            "auth": self.auth_url,
            "contacts": self.contacts_url,
            "dispatch": self.dispatch_url,
            "billing": self.billing_url,
            "dlr": self.dlr_url,
        }
        return {name: url.rstrip("/") for name, url in urls.items()}
