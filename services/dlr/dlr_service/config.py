from datetime import timedelta
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from dlr_service.consent.keywords import normalise
from shared.retention import DataKind, rule
from shared.settings import VerifyingServiceSettings


class DlrSettings(VerifyingServiceSettings):
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
    # Erased numbers (R17): how often committed erasures are vacuumed and reported complete.
    erasure_poll_seconds: float = 5.0
    sweep_batch_size: int = 500
    # A mobile-originated SMS seen again within this time (same link, addresses and payload
    # bytes, UDH concat reference included) is the SMSC redelivering it after a lost or late
    # deliver_sm_resp, which SMSCs retry within seconds to a few minutes. A person sending the
    # same text to the same number twice inside ten minutes is rarer, and means the same thing.
    mo_duplicate_window_minutes: float = 10.0
    # An MO to a number assigned to no account is a reply, and so the account's, when that
    # account sent to its sender from that number at most this long before.
    mo_reply_window_days: float = Field(default=7.0, gt=0)
    # A long MO whose parts have not all come this long after its first is stored with what
    # arrived, marked incomplete. Parts follow each other within seconds; minutes cover an
    # SMSC retrying one.
    mo_reassembly_window_seconds: float = Field(default=300.0, gt=0)
    # An owned MO whose whole text is one of these (case, surrounding and inner spaces
    # aside) opts its sender out of, or back in to, that account's marketing messages.
    # Comma-separated in the environment.
    opt_out_keywords: Annotated[tuple[str, ...], NoDecode] = (
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "СТОП",
        "ОТПИСАТЬСЯ",
    )
    opt_in_keywords: Annotated[tuple[str, ...], NoDecode] = ("START",)
    # An owned MO that is one of these asks for the account's help text, which dispatch
    # sends back (if the account has set one).
    help_keywords: Annotated[tuple[str, ...], NoDecode] = ("HELP", "СПРАВКА")

    # Webhooks. Loopback (and plain http://) only for a receiver on this machine: `make dev`
    # and the tests set it, the production overlay never does. Unprefixed, as the issue names it.
    webhooks_allow_loopback: bool = Field(
        default=False,
        validation_alias=AliasChoices("WEBHOOKS_ALLOW_LOOPBACK", "webhooks_allow_loopback"),
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Retried for this long after it was queued (with exponential backoff and full jitter up
    # to webhook_max_backoff_seconds), then dead.
    webhook_retry_hours: float = Field(default=24.0, gt=0)
    webhook_first_backoff_seconds: float = Field(default=5.0, gt=0)
    webhook_max_backoff_seconds: float = Field(default=3600.0, gt=0)
    # An endpoint whose every attempt has failed for this long is disabled.
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    # In flight at once per worker process, overall and per endpoint: a slow endpoint holds
    # at most its own share, never the others'.
    webhook_concurrency: int = Field(default=64, ge=1)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1)
    webhook_poll_interval_seconds: float = Field(default=0.5, gt=0)
    # Events, with their deliveries and attempts, are kept this long (replays reach as far):
    # the retention policy's period (shared/retention.py) unless set.
    webhook_retention_days: float = Field(default=float(rule(DataKind.WEBHOOK_ATTEMPTS).days), gt=0)
    # The retention job (dlr_service/retention: webhook logs, closed accounts' inbound SMS)
    # runs this often, this many rows per transaction.
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_size: int = Field(default=500, ge=1)
    # The worker's /healthz and /readyz for the kubelet; 0 = none (make dev).
    webhook_health_host: str = "127.0.0.1"
    webhook_health_port: int = 0

    @field_validator("opt_out_keywords", "opt_in_keywords", "help_keywords", mode="before")
    @classmethod
    def _split_keywords(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(word.strip() for word in value.split(",") if word.strip())
        return value

    @model_validator(mode="after")
    def _keywords_mean_one_thing(self) -> "DlrSettings":
        lists = {
            "DLR_OPT_OUT_KEYWORDS": {normalise(w) for w in self.opt_out_keywords},
            "DLR_OPT_IN_KEYWORDS": {normalise(w) for w in self.opt_in_keywords},
            "DLR_HELP_KEYWORDS": {normalise(w) for w in self.help_keywords},
        }
        names = list(lists)
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                if both := lists[first] & lists[second]:
                    raise ValueError(f"{first} and {second} both have {sorted(both)}")
        return self

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

    @property
    def mo_reassembly_window(self) -> timedelta:
        return timedelta(seconds=self.mo_reassembly_window_seconds)

    @property
    def mo_reply_window(self) -> timedelta:
        return timedelta(days=self.mo_reply_window_days)
