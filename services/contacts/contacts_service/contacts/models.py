from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contacts_service.db import Base
from contacts_service.fields.models import KEY_MAX
from shared.db import UtcDateTime
from shared.events import utcnow

TAG_MAX = 32


class Contact(Base):
    """A recipient of one account (the controller); the platform only processes it (R16)."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "phone", name="uq_contacts_account_id_phone"),
        # Serves the account's list, newest first; its leading column serves every tenant filter.
        Index("ix_contacts_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    phone: Mapped[str] = mapped_column(String(16))  # E.164: "+" and at most 15 digits
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    address: Mapped[str | None] = mapped_column(String(500))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # Where and when the recipient agreed to be messaged (R11), as the customer recorded it.
    consent_source: Mapped[str | None] = mapped_column(String(200))
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # null: never changed

    # Loaded explicitly by the repository (selectinload); a forgotten load fails loudly.
    tag_rows: Mapped[list["ContactTag"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContactTag.tag",
    )

    value_rows: Mapped[list["ContactValue"]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ContactValue.key",
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def custom(self) -> dict[str, Any]:
        return {row.key: row.value for row in self.value_rows}


class ContactTag(Base):
    """One tag of a contact: a row each, so `?tag=` is an indexed lookup on every database."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_account_id_tag", "account_id", "tag"),)

    contact_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)


class ContactValue(Base):
    """A contact's value of one of the account's custom fields (contacts_service.fields)."""

    __tablename__ = "contact_values"
    __table_args__ = (
        # Deleting a field deletes its values; the index serves that cascade.
        ForeignKeyConstraint(
            ["account_id", "key"],
            ["custom_fields.account_id", "custom_fields.key"],
            ondelete="CASCADE",
        ),
        Index("ix_contact_values_account_id_key", "account_id", "key"),
    )

    contact_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    value: Mapped[Any] = mapped_column(JSON)  # as checked against the field's type
