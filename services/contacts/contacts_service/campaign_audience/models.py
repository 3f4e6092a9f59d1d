from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime


class AudienceJob(Base):
    """A campaign's audience being paged out to dispatch: where the next chunk starts, so
    a restarted worker goes on from the last chunk it committed instead of starting over
    (which would send dispatch a different split of a changed membership)."""

    __tablename__ = "campaign_audience_jobs"

    campaign_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    group_ids: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(16))
    fields: Mapped[list[str]] = mapped_column(JSON)  # what the campaign's text names
    # Keyset: the last contact id of the last chunk (contacts are paged by id).
    after_contact_id: Mapped[UUID | None] = mapped_column(Uuid)
    next_chunk: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The request being answered: a newer one (dispatch asked again) starts the paging over.
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
