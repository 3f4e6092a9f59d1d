from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

# Normalised ids and their other forms: at most 64 characters, 78 as decimal of 64 hex digits.
_KEY = String(128)
# The SMSC link's name (MessagePartSubmitted.smsc): ids are unique only within one SMSC.
_LINK = String(64)
DEFAULT_LINK = "default"

# What became of a receipt: applied to its part; two or more parts fit equally well, so it
# was not applied; its part never turned up; it carried no id at all.
MatchStatus = Literal["matched", "ambiguous", "unmatched", "unidentified"]


class SubmittedPart(Base):
    """A part the SMSC accepted, under the id receipts will refer to."""

    __tablename__ = "submitted_parts"

    smsc: Mapped[str] = mapped_column(_LINK, primary_key=True, server_default=DEFAULT_LINK)
    smsc_key: Mapped[str] = mapped_column(_KEY, primary_key=True)  # ids.normalise(raw id)
    smsc_message_id: Mapped[str] = mapped_column(_KEY)  # as the SMSC wrote it
    account_id: Mapped[UUID] = mapped_column(Uuid)
    message_id: Mapped[UUID] = mapped_column(Uuid)
    part_index: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PendingReceipt(Base):
    """A receipt that arrived before its part was known; resolved when the part arrives."""

    __tablename__ = "pending_receipts"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    smsc: Mapped[str] = mapped_column(_LINK, server_default=DEFAULT_LINK)
    smsc_message_id: Mapped[str] = mapped_column(_KEY)
    state: Mapped[str] = mapped_column(String(16))  # MessageState name
    error_code: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    raw_text: Mapped[str] = mapped_column(Text)
    # Indexed so that stale receipts (their part never came) can be swept by age.
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class PendingReceiptKey(Base):
    """One row per candidate key of a pending receipt, so an arriving part finds it by index."""

    __tablename__ = "pending_receipt_keys"

    pending_receipt_id: Mapped[UUID] = mapped_column(
        ForeignKey("pending_receipts.id", ondelete="CASCADE"), primary_key=True
    )
    smsc_key: Mapped[str] = mapped_column(_KEY, primary_key=True, index=True)


class ReceiptRecord(Base):
    """History of receipts, matched ones with their part; intermediate ones included."""

    __tablename__ = "receipts"
    __table_args__ = (
        Index("ix_receipts_message_id_part_index", "message_id", "part_index"),
        # The retention job's sweep of closed accounts' receipts (receipts.retention).
        Index("ix_receipts_account_id", "account_id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    match_status: Mapped[str] = mapped_column(String(16), server_default="matched")
    smsc: Mapped[str] = mapped_column(_LINK, server_default=DEFAULT_LINK)
    # Null unless matched: a receipt that was not applied belongs to no part (yet).
    account_id: Mapped[UUID | None] = mapped_column(Uuid)
    message_id: Mapped[UUID | None] = mapped_column(Uuid)
    part_index: Mapped[int | None]
    # For an ambiguous receipt, the parts that fitted equally well, for whoever reviews it.
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    smsc_message_id: Mapped[str | None] = mapped_column(_KEY)
    state: Mapped[str] = mapped_column(String(16))  # MessageState name
    status: Mapped[str | None] = mapped_column(String(16))  # null while intermediate
    error_code: Mapped[str | None] = mapped_column(String(32))
    intermediate: Mapped[bool]
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    raw_text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
