from pydantic_settings import SettingsConfigDict

from shared.settings import VerifyingServiceSettings


class ContactsSettings(VerifyingServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTS_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/contacts.db"
    # Kafka group id and inbox consumer name; only tests sharing one broker change it.
    consumer_group: str = "contacts"
