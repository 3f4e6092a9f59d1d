from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"
    __table_args__ = (
        # The sender's scan: unsent mail, oldest first.
        Index("ix_outgoing_mail_sent_at_created_at", "sent_at", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    # Erased (NULL) once sent: it may carry a one-time token.
    body: Mapped[str | None] = mapped_column(Text)
    # Extra header fields as a JSON list of [name, value]; erased with the body (an
    # unsubscribe link is the recipient's own).
    headers: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # After a failure, not tried again before this (backing off); NULL: as soon as it can.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The last failure, for operators; never the body.
    last_error: Mapped[str | None] = mapped_column(String(500))
