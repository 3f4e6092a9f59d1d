from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class RefreshToken(Base):
    """One refresh token, known only by its SHA-256. Every token a login leads to, through
    refresh after refresh, shares the login's `family_id`, so that one replayed token can
    revoke them all."""

    __tablename__ = "refresh_tokens"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Set when the token was exchanged for a new one; a second use is a replay.
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set on logout and on a replay, for every token of the family.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Where the token was issued (the login, or the refresh that made it), for the user's
    # list of sessions; NULL for tokens issued before it was kept.
    user_agent: Mapped[str | None] = mapped_column(String(256))
    ip: Mapped[str | None] = mapped_column(String(45))
    # The login's time, carried from token to token of the family.
    session_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginFailure(Base):
    """A failed login for an e-mail, whether or not an account has it: counted for the
    lockout, pruned once older than its window."""

    __tablename__ = "login_failures"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    email: Mapped[str] = mapped_column(String(320), index=True)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
