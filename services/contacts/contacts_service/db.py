"""The service's declarative base and its outbox table."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class Outbox(OutboxMixin, Base):
    pass
