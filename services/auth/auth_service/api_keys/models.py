from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from auth_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class ApiKey(Base):
    """A key of an account. Revoked keys stay (revoked_at set): their hash must never be
    accepted again, and the audit trail needs them."""

    __tablename__ = "api_keys"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    # Who made it; a key acts for the account, not for this person.
    created_by: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, shown so a customer can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 (hex) of the whole secret: a key has 256 bits of entropy, so a fast hash is
    # enough (nothing to brute-force) and lets a presented key be found by an index.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
