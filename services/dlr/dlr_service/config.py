from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class DlrSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DLR_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/dlr.db"
