from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.retention import DataKind, rule
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
    # The policy's period (shared/retention.py) unless set.
    import_retention_days: int = Field(default=rule(DataKind.IMPORT_FILES).days, ge=1)
    import_max_rows: int = 1_000_000
    import_chunk_rows: int = 1000
    import_poll_seconds: float = 2.0
    # The retention job (contacts_service/retention): how often, and how many rows per
    # transaction.
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_size: int = Field(default=500, ge=1)
    # Privacy exports (issue 11 items 5-6): where archives are built and kept, for how long
    # they can be downloaded, and the internal routes of the services holding the other parts
    # (http://dispatch:8000, http://dlr:8000 in the cluster; unset: exports fail, never
    # come out incomplete).
    export_dir: str = ".var/privacy-exports"
    export_retention_days: float = Field(default=7.0, gt=0)
    export_poll_seconds: float = Field(default=2.0, gt=0)
    export_part_timeout_seconds: float = Field(default=300.0, gt=0)
    # A worker building an export holds it under a lease it renews every third of this; an
    # export still `running` past its lease lost its worker and is claimed again, up to
    # `export_max_attempts` claims in all, then `failed`.
    export_lease_seconds: float = Field(default=60.0, gt=0)
    export_max_attempts: int = Field(default=3, ge=1)
    dispatch_url: str | None = None
    dlr_url: str | None = None
    # Erased numbers (R17): how often committed erasures are vacuumed and reported complete.
    erasure_poll_seconds: float = Field(default=5.0, gt=0)
    # Campaign audiences (issue 11 item 4): recipients per chunk (one transaction and one
    # event each) and how often open audiences are looked for.
    campaign_audience_chunk_size: int = Field(default=1000, ge=1, le=5000)
    campaign_audience_poll_seconds: float = Field(default=1.0, gt=0)
