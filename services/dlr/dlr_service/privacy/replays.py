"""Whether an MO (or a part of one) comes from before an erasure of its sender's number: a
deliver_sm replayed past the inbox's memory, re-driven from the dead letters, or handled by
a consumer catching up. Such a PDU is not stored: it would bring the number back (and a STOP
in it the number's opt-out everywhere). One received after the erasure is the person
writing again, new data, and is kept."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.db import ErasedNumber
from shared.erasure import digest, erased_before


async def erased_since(
    session: AsyncSession, account_id: UUID | None, phone: str, received_at: datetime
) -> bool:
    """`account_id` is the MO's owner (inbound.ownership), None if nobody's."""
    if account_id is not None:
        return await erased_before(session, ErasedNumber, account_id, phone, received_at)
    # Nobody's now, maybe because the erasure forgot who last wrote to the number (that is
    # what made a reply its account's): any account's erasure of it since then counts. Only
    # erasures after the PDU are read, few for a live PDU, none at all for a fresh one.
    markers = await session.execute(
        select(ErasedNumber.account_id, ErasedNumber.number_digest).where(
            ErasedNumber.erased_at >= received_at
        )
    )
    return any(digest(account, phone) == marker for account, marker in markers)
