from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dlr_service.db import Base
from shared.db import UtcDateTime


class InboundMessage(Base):
    """An SMS a handset sent to one of our numbers."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # The account's list, newest first.
        Index("ix_inbound_messages_account_received", "account_id", "received_at", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    # Whose it is (numbers assigned, else who last sent to its sender from its number);
    # null: nobody's, for operators only.
    account_id: Mapped[UUID | None] = mapped_column(Uuid)
    smsc: Mapped[str] = mapped_column(String(64), server_default="default")
    # SMPP allows 21 octets; the slack is for SMSCs that don't read the spec. Numbers are
    # stored as numbers.addresses.canonical() spells them (messages stored before: as sent).
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # fingerprint.fingerprint() of the PDU, to recognise the SMSC redelivering it; null for
    # messages stored before there was one.
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LastSend(Base):
    """Which account last sent to `recipient` from `sender`, and when: an MO from that
    recipient to that sender, within a few days, is a reply and so that account's. Kept from
    dispatch's message.accepted events; one row per pair, the latest sender wins."""

    __tablename__ = "last_sends"

    sender: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
