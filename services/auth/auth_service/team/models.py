from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Invitation(Base):
    """An invitation to join an account with a role. The token in the mailed link is known
    only by its SHA-256, like a refresh token; it works once, until `expires_at`."""

    __tablename__ = "invitations"
    __table_args__ = (
        # The account's pending invitations, listed and replaced by e-mail.
        Index("ix_invitations_account_id_email", "account_id", "email"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # No foreign key: the inviter may be removed while the invitation stays on record.
    invited_by: Mapped[UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
