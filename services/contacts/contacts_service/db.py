"""The service's declarative base, its outbox and its inbox."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.inbox import InboxMixin
from shared.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass
