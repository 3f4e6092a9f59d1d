from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, Index, Integer, String, Text, Uuid, false
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
    # A long MO: how many parts it has and, if some never came within the reassembly window,
    # `incomplete` (the text is then what arrived, in order).
    parts: Mapped[int] = mapped_column(Integer, server_default="1")
    incomplete: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # A PDU that contradicts itself (UDH beyond the payload, odd UCS-2, ...): its payload is
    # kept as it came (`raw_hex`), the text is whatever could be decoded.
    malformed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    raw_hex: Mapped[str | None] = mapped_column(Text)
    # The opt-out or opt-in keyword the whole text was (as configured), if it was one and
    # the message had an owner to opt out of.
    keyword: Mapped[str | None] = mapped_column(String(32))


class InboundPart(Base):
    """A part of a long MO, kept until its message is complete (or its window passes), and
    a while after so that the SMSC sending it again is recognised."""

    __tablename__ = "inbound_parts"
    __table_args__ = (
        Index(
            "ix_inbound_parts_concat",
            "smsc",
            "from_number",
            "to_number",
            "reference",
            "total",
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)  # the deliver_sm event's
    smsc: Mapped[str] = mapped_column(String(64))
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str] = mapped_column(String(64))
    reference: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When dlr stored it: the reassembly window runs from here, so a consumer catching up
    # after an outage does not give up on parts that are only now arriving.
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # The message it became part of; null while the message waits for parts.
    inbound_id: Mapped[UUID | None] = mapped_column(Uuid)


class LastSend(Base):
    """Which account last sent to `recipient` from `sender`, and when: an MO from that
    recipient to that sender, within a few days, is a reply and so that account's. Kept from
    dispatch's message.accepted events; one row per pair, the latest sender wins."""

    __tablename__ = "last_sends"

    sender: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
