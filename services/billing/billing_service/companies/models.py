from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_service.db import Base
from shared.db import UtcDateTime
from shared.events import utcnow


class AccountCompany(Base):
    """Which contracting company an account signs with. An account without a row signs with
    the default company: accounts registered before companies existed need none."""

    __tablename__ = "account_companies"

    account_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    company_code: Mapped[str] = mapped_column(String(32))
    # "registration" or "operator:<subject>"
    assigned_by: Mapped[str] = mapped_column(String(160))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
