"""Delivery receipts by the retention clock (R18): a closed account's receipts lose their raw
text with its messages' texts, and go with its messages. Each call touches at most `limit`."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.receipts.models import ReceiptRecord, SubmittedPart
from dlr_service.retention.repository import closed_before
from shared.retention import REDACTED_TEXT


async def redact_texts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    ids = (
        select(ReceiptRecord.id)
        .where(
            ReceiptRecord.account_id.in_(closed_before(cutoff)),
            ReceiptRecord.raw_text != REDACTED_TEXT,
        )
        .limit(limit)
    )
    result = await session.execute(
        update(ReceiptRecord)
        .where(ReceiptRecord.id.in_(list(await session.scalars(ids))))
        .values(raw_text=REDACTED_TEXT)
    )
    return cast(CursorResult[Any], result).rowcount


async def delete_receipts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    ids = list(
        await session.scalars(
            select(ReceiptRecord.id)
            .where(ReceiptRecord.account_id.in_(closed_before(cutoff)))
            .limit(limit)
        )
    )
    if not ids:
        return 0
    await session.execute(delete(ReceiptRecord).where(ReceiptRecord.id.in_(ids)))
    return len(ids)


async def delete_unmatched(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Up to `limit` receipts applied to no part (unmatched, ambiguous, without an id)
    received before `cutoff`."""
    ids = list(
        await session.scalars(
            select(ReceiptRecord.id)
            .where(ReceiptRecord.account_id.is_(None), ReceiptRecord.received_at < cutoff)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    await session.execute(delete(ReceiptRecord).where(ReceiptRecord.id.in_(ids)))
    return len(ids)


async def delete_submitted_parts(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Which SMSC id each of the closed accounts' parts got: with the messages gone, a late
    receipt has nothing left to be matched to."""
    chosen = (
        select(SubmittedPart.smsc, SubmittedPart.smsc_key)
        .where(SubmittedPart.account_id.in_(closed_before(cutoff)))
        .limit(limit)
    )
    key = tuple_(SubmittedPart.smsc, SubmittedPart.smsc_key)
    result = await session.execute(delete(SubmittedPart).where(key.in_(chosen)))
    return cast(CursorResult[Any], result).rowcount
