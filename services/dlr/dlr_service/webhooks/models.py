from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

EventType = Literal["message.status", "message.inbound"]
EVENT_TYPES: tuple[EventType, ...] = ("message.status", "message.inbound")
# pending: due at next_attempt_at (also while a worker holds it: the lease moves it on);
# delivered: a 2xx came back; dead: retried for the whole retry period, or refused by the
# SSRF check, which no retry would change.
DeliveryState = Literal["pending", "delivered", "dead"]


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept in the clear: signing needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs alongside the new one until it expires, so a
    # receiver can switch over without dropping a delivery.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Start of the current run of failed attempts (null after any success): the endpoint is
    # disabled once the run is DLR_WEBHOOK_DISABLE_AFTER_DAYS long.
    failing_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A send's own callback_url (webhooks/callbacks.py): one row per account and URL, made on
    # first use, signed with the account's callback secret, never listed nor managed.
    per_message: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


class CallbackSecret(Base):
    """The secret every per-message callback of an account is signed with; the account reads
    and rotates it at /v1/webhooks/callback-secret. Copied to its per-message endpoints."""

    __tablename__ = "webhook_callback_secrets"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MessageCallback(Base):
    """A message sent with a callback_url (from message.accepted): its statuses go there."""

    __tablename__ = "webhook_message_callbacks"

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    url: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class WebhookEvent(Base):
    """What happened, once, whatever the number of endpoints; kept so it can be replayed."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_account_id_occurred_at", "account_id", "occurred_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)  # webhook-id
    account_id: Mapped[UUID] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """One event owed to one endpoint: the durable queue the worker drains."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    event_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The retry period runs from here: queued, or queued again by a replay.
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebhookAttempt(Base):
    """Every request made (or refused) for a delivery, for the integrator to inspect."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_endpoint_id_attempted_at", "endpoint_id", "attempted_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    delivery_id: Mapped[UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[UUID] = mapped_column(Uuid)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None]
    latency_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(String(500))
    response_body: Mapped[str | None] = mapped_column(Text)  # the first 1 KiB


class MessageSequence(Base):
    """The last `sequence` given to a message's status events, so receivers can order them."""

    __tablename__ = "webhook_message_sequences"

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
