from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime


class AccountStateRow(Base):
    """The latest `account.state_changed` seen per account: when one was closed starts the
    retention clock. An account without a row is active."""

    __tablename__ = "account_states"
    __table_args__ = (Index("ix_account_states_state_changed_at", "state", "changed_at"),)

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    # active | suspended | blocked | closed (shared.events.AccountState)
    state: Mapped[str] = mapped_column(String(16))
    # The event's occurred_at: an older event (a replay) never overwrites a newer one.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
