"""Gap-free document numbers per company, kind and year."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.invoices.models import DocumentCounter, DocumentKind
from shared.db import upsert_insert


async def next_number(
    session: AsyncSession, company_code: str, document: DocumentKind, year: int
) -> int:
    """The next number, taken in the caller's transaction. The UPDATE locks the counter row
    until that transaction ends: a concurrent issuer waits and then sees the new value, and
    a rollback returns the number. Never a sequence: sequences skip on rollback."""
    await session.execute(
        upsert_insert(session, DocumentCounter)
        .values(company_code=company_code, document=document, year=year, last_number=0)
        .on_conflict_do_nothing()
    )
    number: int = (
        await session.execute(
            update(DocumentCounter)
            .where(
                DocumentCounter.company_code == company_code,
                DocumentCounter.document == document,
                DocumentCounter.year == year,
            )
            .values(last_number=DocumentCounter.last_number + 1)
            .returning(DocumentCounter.last_number)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one()
    return number


def format_number(prefix: str, document: DocumentKind, year: int, sequence: int) -> str:
    """EU-2026-000042 for an invoice, EU-A-2026-000007 for an act."""
    kind = "" if document == "invoice" else "A-"
    return f"{prefix}-{kind}{year}-{sequence:06d}"
