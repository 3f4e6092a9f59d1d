from datetime import datetime
from uuid import UUID

from sqlalchemy import Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Batch(Base):
    """One accepted `POST /v1/messages/batch`: what a retry with its Idempotency-Key gets
    back. The messages themselves carry `batch_id`."""

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint(
            "account_id", "idempotency_key", name="uq_batches_account_id_idempotency_key"
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the request as parsed: a key reused for a different batch is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(Integer)
    # The refused entries as the first answer listed them (JSON), so a replay answers the same.
    rejected: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
