from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class Tariff(Base):
    """A price plan: the public default (account_id NULL) or one account's own."""

    __tablename__ = "tariffs"
    # NULLs never collide, so this makes one plan per account; the public tariffs are one
    # per currency (issue 10 item 5: an account is priced in its company's currency).
    __table_args__ = (
        Index("uq_tariffs_account_id", "account_id", unique=True),
        Index(
            "uq_tariffs_public_currency",
            "currency",
            unique=True,
            postgresql_where=text("account_id IS NULL"),
            sqlite_where=text("account_id IS NULL"),
        ),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TariffVersion(Base):
    """The tariff's prices from `effective_from` on. Never edited: a change is a new version,
    so a message is always priced by what was in force when it was accepted."""

    __tablename__ = "tariff_versions"
    __table_args__ = (UniqueConstraint("tariff_id", "effective_from"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    tariff_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("tariffs.id", ondelete="CASCADE"))
    effective_from: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The operator's token subject: who scheduled these prices.
    created_by: Mapped[str] = mapped_column(String(128))


class TariffPrice(Base):
    """The price of one part to numbers starting with `prefix` (digits, no '+'), in
    ten-thousandths of the tariff's currency."""

    __tablename__ = "tariff_prices"
    __table_args__ = (
        CheckConstraint("price_per_part >= 0", name="price_not_negative"),
        CheckConstraint("length(prefix) BETWEEN 1 AND 15", name="prefix_length"),
    )

    version_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("tariff_versions.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[str] = mapped_column(String(15), primary_key=True)
    price_per_part: Mapped[int] = mapped_column(BigInteger)
