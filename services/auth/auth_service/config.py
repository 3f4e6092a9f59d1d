from pathlib import Path

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/auth.db"
    # PEM of the RS256 private key. In production it comes from a Secret; in development a
    # key is generated once into `dev_key_file` so tokens survive restarts.
    private_key_pem: str | None = None
    dev_key_file: Path = Path(".var/auth-signing-key.pem")
    jwt_issuer: str = "smsgw-auth"
    jwt_audience: str = "smsgw"
    access_token_ttl_seconds: int = 3600

    @model_validator(mode="after")
    def _refuse_generated_keys_in_production(self) -> "AuthSettings":
        if self.environment == "production" and not self.private_key_pem:
            raise ValueError("AUTH_PRIVATE_KEY_PEM must be set in production")
        return self
