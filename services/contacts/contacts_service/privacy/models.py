from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class PrivacyExport(Base):
    """One export request: pending → running → ready (→ expired) or failed."""

    __tablename__ = "privacy_exports"
    __table_args__ = (
        Index("ix_privacy_exports_state", "state"),
        # The account's exports, newest first (contacts_service/pages.py).
        Index("ix_privacy_exports_account_created", "account_id", "created_at", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    requested_by: Mapped[str] = mapped_column(String(255))  # the principal's subject
    # Whose data: one number (asked by number or by contact), or the whole account.
    scope: Mapped[str] = mapped_column(String(16))  # phone | contact | all
    phone: Mapped[str | None] = mapped_column(String(16))
    contact_id: Mapped[UUID | None] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # After this the archive is deleted and the download answers 410.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The worker building it (a token per claim) and until when it holds it: the worker
    # extends the lease while it builds, so a running export whose lease passed lost its
    # worker (a crash, a killed pod) and is claimed again; `attempts` counts the claims.
    lease_owner: Mapped[UUID | None] = mapped_column(Uuid)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PrivacyErasure(Base):
    """One erasure request. The number itself is not kept here: only the services' events
    carry it, and each service keeps a digest (shared.erasure)."""

    __tablename__ = "privacy_erasures"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | completed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PrivacyErasurePart(Base):
    """One service's report on an erasure: it erased `rows` and vacuumed the tables."""

    __tablename__ = "privacy_erasure_parts"

    erasure_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("privacy_erasures.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
