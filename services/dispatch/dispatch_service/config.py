import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from dispatch_service.messages.phone import InvalidSender, parse_sender
from dispatch_service.smsc.config import (
    SmscConnection,
    SmscRoute,
    check_routes,
    read_connections,
    read_routes,
)
from shared.settings import VerifyingServiceSettings

_DEFAULT_SMPP_PASSWORD = "secret"
_SHIPPED_BRANDS = Path(__file__).parent / "senders" / "protected_brands.txt"
_SHIPPED_RANGES = Path(__file__).parent / "destinations" / "high_risk_ranges.txt"
_COUNTRY = re.compile(r"[A-Z]{2}")
_E164_PREFIX = re.compile(r"\+[0-9]{1,15}")


def _unprefixed(name: str) -> AliasChoices:
    # The SMSC account belongs to the deployment, not to one service's env namespace.
    return AliasChoices(name.upper(), name)


class DispatchSettings(VerifyingServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./.var/dispatch.db"
    default_sender: str = "SMSGW"
    max_segments: int = Field(default=10, ge=1, le=255)  # 255: the UDH's part counter
    # A send's `callback_url` must pass shared/urls.py's offline checks; loopback (and plain
    # http://) only for a receiver on this machine, as dlr's. Unprefixed, as dlr's.
    webhooks_allow_loopback: bool = Field(
        default=False,
        validation_alias=AliasChoices("WEBHOOKS_ALLOW_LOOPBACK", "webhooks_allow_loopback"),
    )
    # Kafka group id and inbox consumer name; only tests sharing one broker change it.
    consumer_group: str = "dispatch"

    smpp_host: str = Field(default="127.0.0.1", validation_alias=_unprefixed("smpp_host"))
    smpp_port: int = Field(default=2775, validation_alias=_unprefixed("smpp_port"))
    smpp_system_id: str = Field(default="smsgw", validation_alias=_unprefixed("smpp_system_id"))
    smpp_password: str = Field(
        default=_DEFAULT_SMPP_PASSWORD, validation_alias=_unprefixed("smpp_password")
    )
    smpp_window: int = Field(default=10, ge=1)  # outstanding submit_sm per bind
    # Sessions to the SMSC from the one connector process; parts go to whichever can send.
    smpp_binds: int = Field(default=1, ge=1, le=64)
    # submit_sm per second per bind, as operators contract it; None: as fast as answered.
    smpp_tps: float | None = Field(default=None, gt=0)
    # How often each bind's figures (in flight, sent, throttled, rate) go to the log.
    smpp_report_seconds: float = Field(default=10, gt=0)
    smpp_enquire_link_seconds: float = Field(default=30, gt=0)
    # A submit_sm unanswered this long frees its window slot and its part goes again; this
    # many unanswered in a row mean the link is dead even if TCP says otherwise: rebind.
    smpp_response_timeout_seconds: float = Field(default=10, gt=0)
    smpp_max_timeouts_in_a_row: int = Field(default=3, ge=1)
    # When the link lock's database connection dies, the connector stops submitting but
    # stays bound this long, so the answers owed still come in, while it tries to take the
    # lock back; then it unbinds. None: the response timeout plus 5 s.
    smpp_lock_regain_seconds: float | None = Field(default=None, gt=0)
    # Names the SMSC link in events (receipts are matched per link) and in the lock that
    # keeps a second connector off the same link.
    smpp_link_name: str = Field(default="default", min_length=1, max_length=64)
    # None derives them per sender (alphanumeric: TON 5 / NPI 0, short code: TON 3 / NPI 0,
    # other numbers: TON 1 / NPI 1, see messages.phone.sender_address_type); set both when
    # an SMSC wants fixed values.
    smpp_source_ton: int | None = Field(default=None, ge=0, le=6)
    smpp_source_npi: int | None = Field(default=None, ge=0, le=18)
    # Several named SMSC links and the routes over them (JSON lists, see smsc/config.py
    # and docs/smsc.md); none: the SMPP_* settings above are the one link, named
    # smpp_link_name, and every destination goes over it.
    smsc_connections: list[SmscConnection] = []
    smsc_routes: list[SmscRoute] = []
    # Files holding those lists (a Secret and a ConfigMap mounted in the pod: the `_FILE`
    # convention, DISPATCH_SMSC_CONNECTIONS_FILE / DISPATCH_SMSC_ROUTES_FILE). When set,
    # the file is the value, and the connector reads it again every smsc_reload_seconds
    # and applies a change that passes the checks below without a restart (smsc/reload.py).
    smsc_connections_file: Path | None = None
    smsc_routes_file: Path | None = None
    smsc_reload_seconds: float = Field(default=10.0, gt=0)
    # A link whose submits fail this many times in a row (no answer, generic_nack,
    # ESME_RSYSERR) is skipped for smsc_open_seconds; then one part probes it.
    smsc_failures_to_open: int = Field(default=5, ge=1)
    smsc_open_seconds: float = Field(default=30.0, gt=0)
    # How often the connector stores each link's health for GET /v1/ops/smsc.
    smsc_health_report_seconds: float = Field(default=2.0, gt=0)
    # The SMPP worker's /healthz and /readyz for the kubelet; None runs it without them.
    smpp_health_host: str = "127.0.0.1"
    smpp_health_port: int | None = Field(default=None, ge=1, le=65535)

    # A part the SMSC accepted but never reported on gets this final status once the
    # deadline passes, so its message finishes. We send no validity_period, so SMSCs keep a
    # part for their default (commonly up to 48 h); 72 h leaves a day for a late receipt.
    receipt_deadline_seconds: float = Field(default=72 * 3600, gt=0)
    receipt_deadline_status: Literal["expired", "unknown"] = "expired"
    receipt_sweep_interval_seconds: float = Field(default=60, gt=0)
    receipt_sweep_batch_size: int = Field(default=200, ge=1)
    # Parts still waiting for billing (pending) or for the SMPP worker (queued) after this
    # long are reported in the log: something upstream is stuck.
    stuck_part_seconds: float = Field(default=3600, gt=0)

    # Intake answers 429 once the parts accepted but not yet sent (pending or queued) would
    # pass these, instead of letting the backlog grow without bound; 0 or None: no limit.
    max_backlog: int | None = Field(default=100_000, ge=0)
    max_backlog_per_account: int | None = Field(default=20_000, ge=0)
    # Each process counts the backlog at most this often (one grouped query) and adds what
    # it accepted since; 0 counts on every request.
    backlog_refresh_seconds: float = Field(default=0.5, ge=0)
    # The Retry-After of a 429 backlog_full until the counts show parts leaving the backlog;
    # then it is the time the excess takes to drain at that pace (at most a minute).
    backlog_retry_after_seconds: int = Field(default=5, ge=1)
    # Each process reloads the suspended, blocked and closed accounts at most this often
    # (one query), so a state change stored by the inbox consumer is enforced on sends within
    # it; 0 loads on every request.
    account_states_refresh_seconds: float = Field(default=1.0, ge=0)
    # The content policy: an account whose texts are blocked this many times in one UTC day
    # is suspended from sending pending an operator's review.
    content_hits_before_suspension: int = Field(default=5, ge=1)
    # Each process reloads the content rules and the accounts the policy suspended at most
    # this often, so another process's change applies within it (the process that made it
    # applies it at once); 0 loads on every request.
    content_rules_refresh_seconds: float = Field(default=1.0, ge=0)

    # Sends name only senders an operator approved for the account (the default sender is
    # always allowed); false lets any well-formed sender through, as `make dev` runs.
    sender_approval_required: bool = True
    # Each process reloads the approved senders and defaults at most this often (one
    # query): a revocation or a new default takes effect within it. A name approved a
    # moment ago works at once (a miss is looked up).
    senders_refresh_seconds: float = Field(default=5.0, ge=0)
    # Each process reloads which destinations the tariffs price (billing's tariff.published)
    # at most this often: a new tariff version is enforced at intake within it.
    tariffs_refresh_seconds: float = Field(default=5.0, ge=0)
    # Names no customer may request (one a line); operators point this at their own copy.
    protected_brands_file: Path = _SHIPPED_BRANDS
    # Premium-rate, satellite and shared-cost ranges refused unless an operator enables the
    # category for the account ("+PREFIX category" a line); operators point this at their copy.
    high_risk_ranges_file: Path = _SHIPPED_RANGES
    # Countries (ISO alpha-2, comma-separated) every account may send to, plus those an
    # operator enabled for it. Empty: every country (dev, tests, bench).
    default_allowed_countries: Annotated[frozenset[str], NoDecode] = frozenset()
    # Each account may also send to its contracting company's country and the countries
    # that company serves (billing's `billing.company_assigned`), and the allow-list then
    # always applies: an account billing has not assigned yet gets the default list alone.
    # Off where every country must work whatever the company (dev, tests, bench).
    allow_list_by_company: bool = False
    # Each process reloads the destinations operators enabled per account at most this often
    # (one query over the few accounts that have any); the process that made a change
    # applies it at once.
    destinations_refresh_seconds: float = Field(default=5.0, ge=0)

    # A trial account (its token's `trial` claim) may have this many messages accepted per
    # UTC day, each to a number starting with one of these E.164 prefixes (comma-separated
    # in the environment). None configured: trial accounts send nowhere until an operator
    # configures test ranges or lifts their trial.
    trial_daily_messages: int = Field(default=50, ge=0)
    trial_destinations: Annotated[tuple[str, ...], NoDecode] = ()

    # Scheduled messages are looked for this often, so each goes within about this long of
    # its send_at; each round releases them a batch per transaction.
    schedule_poll_seconds: float = Field(default=1.0, gt=0)
    schedule_batch_size: int = Field(default=500, ge=1)

    # The retention job (dispatch_service/retention, periods in shared/retention.py) runs
    # this often, redacting or deleting this many messages per transaction.
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_size: int = Field(default=500, ge=1)

    # A batch with more recipients than this needs an operator to enable mass mailing for
    # the account (R10: after the contract is signed); 0 lets any size through.
    bulk_recipients_threshold: int = Field(default=100, ge=0)

    # Campaigns: recipients released per round (one batch and one transaction, at most a
    # batch's 1,000), how often running campaigns are looked for, and the line appended to a
    # marketing text that has no opt-out of its own (R11, SG 3.5).
    campaign_release_batch_size: int = Field(default=500, ge=1, le=1000)
    campaign_poll_seconds: float = Field(default=1.0, gt=0)
    campaign_opt_out_line: str = Field(
        default="Reply STOP to opt out", min_length=1, max_length=100
    )
    # A draft waiting for its audience this long with no chunk coming is asked for again
    # (contacts down, its request dead-lettered); after this many requests in all it is
    # `failed` with the reason in its failure_reason.
    campaign_audience_timeout_seconds: float = Field(default=300.0, gt=0)
    campaign_audience_max_requests: int = Field(default=3, ge=1)

    # Quotes ask billing's internal price route here (http://billing:8000 in the cluster);
    # None, unreachable or slower than the timeout: quotes answer without prices.
    billing_url: str | None = None
    billing_timeout_seconds: float = Field(default=2.0, gt=0)

    # Erased numbers (R17): how often committed erasures are vacuumed and reported complete.
    erasure_poll_seconds: float = Field(default=5.0, gt=0)

    @field_validator("default_sender")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        try:
            return parse_sender(value)
        except InvalidSender as exc:
            raise ValueError(f"DISPATCH_DEFAULT_SENDER: {exc}") from exc

    @field_validator("protected_brands_file", "high_risk_ranges_file")
    @classmethod
    def _readable(cls, value: Path, info: ValidationInfo) -> Path:
        # At start, not at the first send: intake loads the list when it first checks one.
        if not value.is_file():
            raise ValueError(f"DISPATCH_{str(info.field_name).upper()}: no such file {value}")
        return value

    @field_validator("default_allowed_countries", mode="before")
    @classmethod
    def _split_countries(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(c.strip().upper() for c in value.split(",") if c.strip())
        return value

    @field_validator("default_allowed_countries")
    @classmethod
    def _iso_countries(cls, value: frozenset[str]) -> frozenset[str]:
        for country in value:
            if not _COUNTRY.fullmatch(country):
                raise ValueError(
                    f"DISPATCH_DEFAULT_ALLOWED_COUNTRIES: {country!r} is not ISO alpha-2"
                )
        return value

    @field_validator("trial_destinations", mode="before")
    @classmethod
    def _split_prefixes(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(prefix.strip() for prefix in value.split(",") if prefix.strip())
        return value

    @field_validator("trial_destinations")
    @classmethod
    def _e164_prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in value:
            if not _E164_PREFIX.fullmatch(prefix):
                raise ValueError(f"DISPATCH_TRIAL_DESTINATIONS: {prefix!r} is not +digits")
        return value

    @model_validator(mode="after")
    def _smsc_files_and_checks(self) -> "DispatchSettings":
        # Read here too, not only by the `_FILE` source, so that what the connector reloads
        # is what it started with, however the path was given.
        if self.smsc_connections_file is not None:
            self.smsc_connections = read_connections(self.smsc_connections_file)
        if self.smsc_routes_file is not None:
            self.smsc_routes = read_routes(self.smsc_routes_file)
        self.check_smsc()
        return self

    def check_smsc(self) -> None:
        """At start and at every reload: routes name connections that exist, and no
        production connection keeps the development password."""
        check_routes(self.connections(), self.smsc_routes)
        if self.environment == "production" and any(
            c.password == _DEFAULT_SMPP_PASSWORD for c in self.connections()
        ):
            raise ValueError("SMPP_PASSWORD (or each connection's password) must be set")

    def connections(self) -> list[SmscConnection]:
        """The SMSC links to bind: the configured list, or the one SMPP_* link."""
        if self.smsc_connections:
            return list(self.smsc_connections)
        return [
            SmscConnection(
                name=self.smpp_link_name,
                host=self.smpp_host,
                port=self.smpp_port,
                system_id=self.smpp_system_id,
                password=self.smpp_password,
                binds=self.smpp_binds,
                window=self.smpp_window,
                tps=self.smpp_tps,
            )
        ]
