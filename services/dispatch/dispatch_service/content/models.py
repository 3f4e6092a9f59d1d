from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class ContentRule(Base):
    __tablename__ = "content_rules"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    # content.policy.Category, Kind and Action
    category: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    pattern: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContentHit(Base):
    """A text that hit a rule. Never the text itself: message texts are stored nowhere but
    in the message, and a refused one not even there."""

    __tablename__ = "content_hits"
    __table_args__ = (
        # Counts an account's hits of the day, and lists them newest first.
        Index("ix_content_hits_account_id_at", "account_id", "at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(16))
    # No foreign key: a hit stays on record when its rule is deleted.
    rule_id: Mapped[UUID] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContentSuspension(Base):
    """An account that reached the day's hit limit: its sending is refused until an
    operator clears it. One row per account and UTC day, so the day's event goes out once."""

    __tablename__ = "content_suspensions"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    tripped_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ContentReview(Base):
    """A message held because its text links through a URL shortener: an operator approves
    or rejects it. Operators see the links' domains, never the text (issue 7)."""

    __tablename__ = "content_reviews"
    __table_args__ = (
        # The pending reviews, oldest first: few, among every review ever decided.
        Index(
            "ix_content_reviews_pending",
            "created_at",
            postgresql_where=text("decided_at IS NULL"),
            sqlite_where=text("decided_at IS NULL"),
        ),
    )

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    # The shortener domains that matched, space-separated, in the order they appear.
    domains: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # approved | rejected
    decision: Mapped[str | None] = mapped_column(String(8))
