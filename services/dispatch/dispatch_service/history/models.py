from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from dispatch_service.messages.status import PartStatus
from shared.db import UtcDateTime


class MessagePartEvent(Base):
    """One status change of one part, written in the transaction that made it.

    Append-only and ordered by `id`, not `occurred_at`: the state machine only moves
    forward, so the order rows were written in is the order the part went through its
    statuses, while the times come from different clocks (ours, the SMSC's receipt).
    Not pruned: nothing prunes messages either, and a row goes with its part (cascade).
    """

    __tablename__ = "message_part_events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["message_id", "part_index"],
            ["message_parts.message_id", "message_parts.part_index"],
            ondelete="CASCADE",
        ),
        # A message's detail reads its parts' histories; also serves the foreign key.
        Index("ix_message_part_events_message_id_part_index", "message_id", "part_index"),
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    message_id: Mapped[UUID] = mapped_column(Uuid)
    part_index: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    status: Mapped[PartStatus] = mapped_column(String(16))
    # The SMSC's command_status (smpp_0x..), the receipt's error, or ours (receipt_timeout,
    # billing's decline code).
    error_code: Mapped[str | None] = mapped_column(String(64))
    smsc: Mapped[str | None] = mapped_column(String(64))  # the SMPP link's name
    smsc_message_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
