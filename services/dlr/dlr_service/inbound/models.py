from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime


class InboundMessage(Base):
    """An SMS a handset sent to one of our numbers."""

    __tablename__ = "inbound_messages"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    smsc: Mapped[str] = mapped_column(String(64), server_default="default")
    # SMPP allows 21 octets; the slack is for SMSCs that don't read the spec.
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # fingerprint.fingerprint() of the PDU, to recognise the SMSC redelivering it; null for
    # messages stored before there was one.
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
