from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Account(Base):
    """A customer (tenant): the company that sends messages and pays for them."""

    __tablename__ = "accounts"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    company_name: Mapped[str] = mapped_column(String(200))
    # Where the platform writes to the customer; the registering e-mail to begin with.
    contact_email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164
    # active | suspended | blocked | closed (shared.events.AccountState); changed only by
    # auth_service.states.service.change_state, which also publishes and audits the change.
    state: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    # Shown to the account's own users; never internal notes.
    state_reason: Mapped[str | None] = mapped_column(String(500))
    # When the registering e-mail followed its verification link (auth_service/verification);
    # under sign-up policy `open`, the registration itself. NULL: no starter credit yet.
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Sending capped (dispatch reads the tokens' `trial` claim) until an operator lifts it.
    trial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When one of its people last logged in or refreshed a session (at most a write a day);
    # null: never since this was recorded, so `created_at` counts. With its API keys'
    # last_used_at it decides an account unused for 3 years (R5, auth_service/retention).
    last_active_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the owner was mailed that the unused account will be closed; cleared by use.
    inactivity_notice_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class User(Base):
    """A person who logs in; each person has their own credentials (R2)."""

    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32), default="owner")
    name: Mapped[str | None] = mapped_column(String(200))
    # TOTP (RFC 6238) second factor: the base32 secret is set at enrolment and the factor
    # is on from its confirmation. The last time step used is kept so that a code works
    # once. The secret is sealed (Fernet, auth_service/twofactor/sealing.py).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
