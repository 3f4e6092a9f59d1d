from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class DlrSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DLR_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/dlr.db"

    # How long before a receipt its part may have been submitted. The receipt comes when the
    # message reaches a final state, which for a handset that is off can be the end of the
    # validity period: operators commonly allow 48 to 72 hours. Beyond that an id match is far
    # more likely a recycled id (another, older part, possibly another account's) than a late
    # receipt, so older parts are not offered.
    match_window_hours: float = 72.0
    # How long after a receipt its part may have been submitted: the receipt can overtake the
    # submit_sm_resp, by the response's round trip, never by much more.
    early_receipt_minutes: float = 10.0
    # Receipts whose part never turned up are swept from the pending ones to records marked
    # `unmatched` after this long. The part's event normally follows within seconds; a day
    # covers an outage of dispatch's relay or of this consumer without holding every stray
    # receipt (another system sharing the SMSC account, say) for ever.
    pending_receipt_hours: float = 24.0
    sweep_interval_seconds: float = 60.0
    sweep_batch_size: int = 500
    # A mobile-originated SMS seen again within this time (same link, addresses and payload
    # bytes, UDH concat reference included) is the SMSC redelivering it after a lost or late
    # deliver_sm_resp, which SMSCs retry within seconds to a few minutes. A person sending the
    # same text to the same number twice inside ten minutes is rarer, and means the same thing.
    mo_duplicate_window_minutes: float = 10.0

    @property
    def match_window(self) -> timedelta:
        return timedelta(hours=self.match_window_hours)

    @property
    def early_receipt(self) -> timedelta:
        return timedelta(minutes=self.early_receipt_minutes)

    @property
    def pending_receipt_ttl(self) -> timedelta:
        return timedelta(hours=self.pending_receipt_hours)

    @property
    def mo_duplicate_window(self) -> timedelta:
        return timedelta(minutes=self.mo_duplicate_window_minutes)
