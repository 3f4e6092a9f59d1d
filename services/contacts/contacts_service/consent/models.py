from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime

EVIDENCE_MAX = 500


class ConsentRecord(Base):
    """One grant or withdrawal of one purpose by one number, never changed afterwards.

    Kept by number, not by contact: a STOP may come before the contact is added, and the
    withdrawal must hold when it is; erasing a contact keeps the records (its id goes), so
    an erased and re-imported number stays opted out."""

    __tablename__ = "consent_records"
    __table_args__ = (
        # The current consent of a page of contacts, and one number's history, newest first.
        Index(
            "ix_consent_records_account_id_phone_purpose_recorded_at",
            "account_id",
            "phone",
            "purpose",
            "recorded_at",
        ),
    )

    # The event id of its `recipient.consent_changed`: a replayed event is the same record.
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    phone: Mapped[str] = mapped_column(String(16))  # E.164
    # The contact it was recorded on (null: none had the number then, or it was erased).
    contact_id: Mapped[UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))  # marketing | transactional
    granted: Mapped[bool] = mapped_column(Boolean)  # false: a withdrawal (opt-out)
    source: Mapped[str] = mapped_column(String(16))  # keyword | api | link | import | web_form
    evidence: Mapped[str | None] = mapped_column(String(EVIDENCE_MAX))
    # When the recipient gave or withdrew it (a STOP: when the SMS was received).
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
