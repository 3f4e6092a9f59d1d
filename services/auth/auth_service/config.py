"""auth: accounts, credentials, and the only signer of access tokens."""

from pathlib import Path
from typing import ClassVar, Literal

from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.client_address import IpNetwork, parse_networks
from shared.retention import DataKind, rule
from shared.settings import ServiceSettings

# Anyone can read this one: it signs unsubscribe links only outside production.
_DEV_UNSUBSCRIBE_SECRET = "development-only-unsubscribe-secret-not-for-production"


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")
    # In the cluster every secret here is a file from a mounted Secret (AUTH_<NAME>_FILE,
    # k8s/base/auth). The next and previous keys exist only around a rotation: their files
    # may be missing (the kubelet leaves out a key an optional Secret source lacks).
    optional_files: ClassVar[frozenset[str]] = frozenset(
        {"next_private_key_pem", "previous_key_pem"}
    )

    database_url: str = "sqlite+aiosqlite:///./.var/auth.db"
    # PEMs of the RS256 keys (docs/key-rotation.md). In production they come from a Secret:
    # the current key signs; the next one is published ahead so that every verifier knows
    # it before it signs; the previous one (its public half is enough) stays published so
    # that tokens it signed still verify until they expire. In development the keys are
    # generated once into `dev_key_file` and its siblings (`<stem>.next.pem`,
    # `<stem>.previous.pem`) so that tokens survive restarts.
    private_key_pem: str | None = None
    next_private_key_pem: str | None = None
    previous_key_pem: str | None = None
    dev_key_file: Path = Path(".var/auth-signing-key.pem")
    jwt_issuer: str = "smsgw-auth"
    jwt_audience: str = "smsgw"
    # Short, because an access token cannot be recalled: logging out revokes the refresh
    # token, and what the client still holds works only until this runs out.
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    # Each refresh gives a new refresh token with a new lifetime, so a client that keeps
    # using the API stays logged in; one idle this long logs in again.
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    # After this many failed logins for one e-mail within the window, its logins are
    # refused (with the wrong-password answer, before any hash) until they age out.
    login_lockout_failures: int = Field(default=10, ge=1)
    login_lockout_window_seconds: float = Field(default=900.0, gt=0)
    # How often failed logins past the window and expired refresh tokens are deleted.
    session_prune_interval_seconds: float = Field(default=600.0, gt=0)
    # Audit records older than this are purged by the retention job (auth_service/retention);
    # the retention policy's period (shared/retention.py) unless set.
    audit_retention_days: int = Field(default=rule(DataKind.AUDIT_LOG).days, ge=1)
    # The gateway's activity log (IP, user agent, path, status) is personal data kept a
    # month at most (issue 7, item 8); purged like the audit records.
    activity_retention_days: int = Field(default=rule(DataKind.ACTIVITY_LOG).days, ge=1, le=31)
    # The retention job runs this often, this many rows per transaction.
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    retention_batch_size: int = Field(default=1000, ge=1)
    # The consumer group (and inbox name) of the audit records and activity auth consumes.
    consumer_group: str = "auth"
    # How often queued mail (verification links, invitations) is sent (auth_service/mail);
    # where it goes is MAIL_* (shared/mail).
    mail_send_interval_seconds: float = Field(default=2.0, gt=0)
    # The link in an invitation mail (auth_service/team): `{token}` is replaced by the
    # invitation's one-time token; the page posts it to /v1/auth/invitations/accept.
    invitation_url: str = "http://localhost:5173/accept-invitation?token={token}"
    # Notifications (auth_service/notifications): the consumer group is
    # `<consumer_group>-notifications`. A marketing mail's unsubscribe link, through the
    # gateway: `{token}` is replaced by a token signed with `unsubscribe_secret` (HS256), which
    # production must set (unset elsewhere: a fixed development secret).
    unsubscribe_url: str = "http://127.0.0.1:8000/v1/public/mail-unsubscribe?token={token}"
    # Events older than this are not mailed: a new group reads compacted topics from their
    # beginning, and news days late (or years) is no news. Also how long an outage of the
    # notifications consumer may last before what happened meanwhile goes unmailed.
    notifications_max_age_hours: float = Field(default=48.0, gt=0)
    unsubscribe_secret: str | None = Field(default=None, min_length=32)
    # Who may sign up (issue 7: toll fraud). `verified`: an account starts on trial and gets
    # its starter credit only once the registering e-mail followed its one-time link.
    # `open`: verified at once, no trial (make dev, benchmarks); never in production.
    signup_policy: Literal["verified", "open"] = "verified"
    # The link in the verification mail; `{token}` is replaced by the one-time token.
    email_verification_url: str = "http://localhost:5173/verify-email?token={token}"
    email_verification_ttl_seconds: int = Field(default=48 * 3600, gt=0)
    # Fernet keys (comma-separated, urlsafe base64 of 32 bytes: `python -c "from
    # cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`) that seal
    # TOTP secrets at rest: the first seals, all open; put a new key first and keep the old
    # one until every enrolled user has logged in (each use re-seals). Unset: a key
    # generated once next to the dev signing key; required in production.
    totp_encryption_keys: str | None = None
    # The name authenticator apps show next to the e-mail.
    totp_issuer: str = "smsgw"

    # argon2id takes 64 MiB per hash: this many at once at most, whatever the request rate.
    # None: 2 to 4, from the memory this process may use (see accounts/passwords.py).
    max_concurrent_hashes: int | None = Field(default=None, ge=1)
    # Per client IP (an IPv6 client per /64), counted before any password is hashed:
    # `limit` requests per `period` seconds, all usable at once. 0 turns a limit off.
    login_rate_limit: int = Field(default=30, ge=0)
    login_rate_period_seconds: float = Field(default=60.0, gt=0)
    register_rate_limit: int = Field(default=20, ge=0)
    register_rate_period_seconds: float = Field(default=3600.0, gt=0)
    # Asking for the verification mail again (per account it goes out once a minute at most).
    resend_rate_limit: int = Field(default=20, ge=0)
    resend_rate_period_seconds: float = Field(default=3600.0, gt=0)
    # Shared by the platform (the gateway's limits use it too), so read without the prefix.
    # Set, the counters live in Redis and every replica shares them; unset, in memory.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "AUTH_REDIS_URL", "redis_url")
    )
    # Peers whose X-Forwarded-For is believed: the gateway, which appends the client as it
    # sees it as the rightmost entry. A request from anyone else is limited by its own
    # address, so a client that reaches auth directly cannot choose its key. Comma-separated.
    trusted_proxies: str = "127.0.0.1/32,::1/128"

    @property
    def unsubscribe_signing_secret(self) -> str:
        return self.unsubscribe_secret or _DEV_UNSUBSCRIBE_SECRET

    @field_validator("invitation_url", "email_verification_url", "unsubscribe_url")
    @classmethod
    def _has_token(cls, value: str) -> str:
        if "{token}" not in value:
            raise ValueError("must contain {token}, where the mailed one-time token goes")
        return value

    @field_validator("totp_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is not None:
            keys = [key.strip() for key in value.split(",") if key.strip()]
            if not keys:
                raise ValueError("AUTH_TOTP_ENCRYPTION_KEYS names no key")
            for key in keys:
                try:
                    Fernet(key.encode())
                except ValueError as exc:
                    raise ValueError(
                        "AUTH_TOTP_ENCRYPTION_KEYS: each key is urlsafe base64 of 32 bytes"
                    ) from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        return parse_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _refuse_generated_keys_in_production(self) -> "AuthSettings":
        if self.environment == "production" and not self.private_key_pem:
            raise ValueError("AUTH_PRIVATE_KEY_PEM must be set in production")
        if self.environment == "production" and not self.totp_encryption_keys:
            raise ValueError("AUTH_TOTP_ENCRYPTION_KEYS must be set in production")
        if self.environment == "production" and not self.unsubscribe_secret:
            raise ValueError("AUTH_UNSUBSCRIBE_SECRET must be set in production")
        return self
