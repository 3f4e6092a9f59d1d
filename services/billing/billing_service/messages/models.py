from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, Integer, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime


class AcceptedMessage(Base):
    """A message dispatch accepted (`message.accepted`, or one of a `batch.accepted`), as
    billing heard of it, written in the consumer's transaction before it is charged.

    Kept apart from the ledger on purpose: the reconciliation compares the two, so a charge
    with no message here, or a message here that is neither charged nor declined, is a
    difference someone must look at."""

    __tablename__ = "accepted_messages"

    message_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    parts: Mapped[int] = mapped_column(Integer)
    # Kept BILLING_ACCEPTED_MESSAGES_DAYS (billing_service.retention), longer than the
    # reconciliation looks back.
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Refused for money or a missing price: no charge is expected for it.
    declined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
