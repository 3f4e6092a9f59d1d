from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from contacts_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow

NAME_MAX = 100


class ContactGroup(Base):
    """A named set of one account's contacts, e.g. to send a campaign to."""

    __tablename__ = "contact_groups"
    __table_args__ = (
        UniqueConstraint("account_id", "name", name="uq_contact_groups_account_id_name"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=uuid4)
    account_id: Mapped[UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # null: never renamed


class GroupMember(Base):
    """A contact in a group; goes when either does (ON DELETE CASCADE)."""

    __tablename__ = "contact_group_members"
    # The primary key serves a group's members; this serves erasing a contact.
    __table_args__ = (Index("ix_contact_group_members_contact_id", "contact_id"),)

    group_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("contact_groups.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
