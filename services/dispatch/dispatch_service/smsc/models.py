from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class SmscHealthRow(Base):
    """A connection's health as the SMPP connector last saw it. The connector runs in its
    own process, so it writes this every few seconds for the API process to read; a row
    that stops being updated says the connector is gone, not that the link is fine."""

    __tablename__ = "smsc_health"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    binds: Mapped[int] = mapped_column(Integer)
    bound_binds: Mapped[int] = mapped_column(Integer)
    in_flight: Mapped[int] = mapped_column(Integer)  # submit_sm written, not yet answered
    queued: Mapped[int] = mapped_column(Integer)  # claimed for it, not yet written
    circuit: Mapped[str] = mapped_column(String(16))  # closed | open | half_open
    failures_in_a_row: Mapped[int] = mapped_column(Integer)
    tls: Mapped[bool]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
