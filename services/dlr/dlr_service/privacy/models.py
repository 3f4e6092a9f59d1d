from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime


class MessageRecipient(Base):
    """Which number each accepted message went to, as its digest per account
    (shared.erasure.digest), not the number: an erasure of the number then finds the
    receipts of its messages, whose raw text can quote the message (`text:`) without
    naming the number."""

    __tablename__ = "message_recipients"
    __table_args__ = (
        Index("ix_message_recipients_account_id_number_digest", "account_id", "number_digest"),
    )

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    # Null once the number was erased: the row then only says the message was erased, so
    # that its receipts, replayed or late, are stored redacted (receipts.service).
    number_digest: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
