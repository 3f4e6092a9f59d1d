"""One act per account and month that had charges, numbered like invoices (per company and
year, gap-free). Each account in its own transaction: one failing leaves the others done,
and running the job again issues only what is missing."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from billing_service.companies.config import Companies
from billing_service.companies.service import company_of
from billing_service.companies.vat import round_to_cents
from billing_service.invoices.models import Invoice
from billing_service.invoices.service import issue_document, line
from billing_service.ledger.models import LedgerTransaction
from shared.db import session_scope

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)

    @classmethod
    def parse(cls, text: str) -> "Month":
        parsed = datetime.strptime(text, "%Y-%m")
        return cls(parsed.year, parsed.month)

    @classmethod
    def before(cls, now: datetime) -> "Month":
        """The month closed last: the one before `now`'s (UTC)."""
        now = now.astimezone(UTC)
        return cls(now.year - 1, 12) if now.month == 1 else cls(now.year, now.month - 1)


async def _charged_accounts(session: AsyncSession, month: Month) -> list[tuple[UUID, int, int]]:
    """(account, number of charges, their total net of refunds in units, positive) for
    the month: a refunded part was not a service rendered."""
    # Charges are negative transactions of kind `charge`, refunds positive (ledger/models.py).
    t = LedgerTransaction
    statement = (
        select(
            t.account_id,
            func.count().filter(t.kind == "charge"),
            func.sum(t.amount_units),
        )
        .where(
            t.kind.in_(("charge", "refund")),
            t.created_at >= month.start,
            t.created_at < month.end,
        )
        .group_by(t.account_id)
    )
    rows = (await session.execute(statement)).all()
    return [(account, count, -int(total)) for account, count, total in rows if total]


async def _has_act(session: AsyncSession, account_id: UUID, month: Month) -> bool:
    found = await session.scalar(
        select(Invoice.id).where(
            Invoice.account_id == account_id,
            Invoice.document == "act",
            Invoice.period == month.period,
        )
    )
    return found is not None


async def issue_acts(
    sessionmaker: async_sessionmaker[AsyncSession],
    companies: Companies,
    clock: Clock,
    month: Month | None = None,
) -> list[UUID]:
    """Acts for `month` (the last closed one by default); the ids of those issued now."""
    now = clock()
    month = month or Month.before(now)
    if month.end > now:
        raise ValueError(f"{month.period} is not over yet")
    async for session in session_scope(sessionmaker):
        accounts = await _charged_accounts(session, month)
    issued: list[UUID] = []
    for account_id, count, charged_units in accounts:
        async for session in session_scope(sessionmaker):
            if await _has_act(session, account_id, month):
                continue
            company = await company_of(session, companies, account_id)
            act = await issue_document(
                session,
                company,
                account_id,
                "act",
                [
                    line(
                        f"SMS messages sent in {month.period}",
                        count,
                        round_to_cents(charged_units),
                        company,
                    )
                ],
                issued_at=now,
                period=month.period,
            )
            issued.append(act.id)
        log.info("act issued", extra={"account_id": str(account_id), "period": month.period})
    return issued
