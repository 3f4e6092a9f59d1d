from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import VerifyingServiceSettings


class ContactsSettings(VerifyingServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/contacts.db"
    # Kafka group id and inbox consumer name; only tests sharing one broker change it.
    consumer_group: str = "contacts"
    # Contact imports (issue 11 item 3): where uploads and error reports are kept, how big an
    # upload may be, and how long after an import finished its files are deleted (R18).
    import_dir: str = ".var/imports"
    import_max_bytes: int = 200 * 1024 * 1024
    import_retention_days: int = 60
    import_max_rows: int = 1_000_000
    import_chunk_rows: int = 1000
    import_poll_seconds: float = 2.0
    # Campaign audiences (issue 11 item 4): recipients per chunk (one transaction and one
    # event each) and how often open audiences are looked for.
    campaign_audience_chunk_size: int = Field(default=1000, ge=1, le=5000)
    campaign_audience_poll_seconds: float = Field(default=1.0, gt=0)
