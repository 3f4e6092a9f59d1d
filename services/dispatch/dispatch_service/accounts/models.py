from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dispatch_service.db import Base
from shared.db import UtcDateTime


class AccountStateRow(Base):
    """The latest `account.state_changed` seen per account. An account without a row is
    active: auth publishes a state only once an operator or the owner changes it."""

    __tablename__ = "account_states"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    # active | suspended | blocked | closed (shared.events.AccountState)
    state: Mapped[str] = mapped_column(String(16))
    # Shown to the account's own users in the refusal's detail.
    reason: Mapped[str | None] = mapped_column(Text)
    # The event's occurred_at: an older event (a replay) never overwrites a newer one.
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
