from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime

CampaignState = Literal[
    "draft", "scheduled", "sending", "paused", "completed", "cancelled", "failed"
]
RecipientState = Literal["pending", "released", "refused"]


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        # The account's list, newest first (keyset by created_at, id).
        Index("ix_campaigns_account_id_created_at_id", "account_id", "created_at", "id"),
        # What the releaser looks for: few rows, so a partial index.
        Index(
            "ix_campaigns_state_active",
            "state",
            postgresql_where=text("state IN ('scheduled', 'sending')"),
            sqlite_where=text("state IN ('scheduled', 'sending')"),
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(100))
    # What goes out before personalisation: the template's text copied at creation (a
    # later edit of the template does not change a campaign under way), the opt-out line
    # appended to marketing texts without one.
    text: Mapped[str] = mapped_column(Text)
    template_id: Mapped[UUID | None] = mapped_column(Uuid)
    sender: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    group_ids: Mapped[list[str]] = mapped_column(JSON)
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[CampaignState] = mapped_column(String(16))
    # The starting token's trial claim: a trial account's campaign meets the trial caps
    # round by round, as its batches would.
    trial: Mapped[bool] = mapped_column(Boolean, default=False)
    # The audience as contacts sent it: chunks stored, whether the last came, how many.
    audience_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    chunks_received: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # Asking for the audience (campaigns.audience): the generation of the latest request
    # (chunks of another are stale), how many were made, and when the audience last moved
    # (a request or a chunk), from which the timeout counts.
    audience_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audience_requests: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    audience_progress_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why a campaign is `failed` (its audience never came).
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CampaignChunk(Base):
    """A chunk of the audience stored: a redelivered chunk is recognised and skipped."""

    __tablename__ = "campaign_chunks"

    campaign_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CampaignRecipient(Base):
    """One recipient of a campaign, released into a batch at most once (its message_id)."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        # The releaser's next page: pending recipients in audience order.
        Index(
            "ix_campaign_recipients_pending",
            "campaign_id",
            "chunk_no",
            "position",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        Index("ix_campaign_recipients_message_id", "message_id"),
    )

    campaign_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    # The contact's values for personalisation, emptied once released.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[RecipientState] = mapped_column(String(16))
    message_id: Mapped[UUID | None] = mapped_column(Uuid)
    # Why the batch path refused it (recipient_opted_out, no_tariff, ...).
    refusal: Mapped[str | None] = mapped_column(String(64))
