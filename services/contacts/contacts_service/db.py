"""The service's declarative base, its outbox, its inbox and its erasure markers."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.erasure import ErasedNumberMixin
from shared.inbox import InboxMixin
from shared.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class ErasedNumber(ErasedNumberMixin, Base):
    """Numbers erased here (R17), by digest: events from before an erasure are not applied."""
