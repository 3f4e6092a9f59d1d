"""Apply the receipt deadline and report stuck parts. Nothing here commits."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.expiry import repository
from dispatch_service.expiry.repository import Waiting
from dispatch_service.messages.status import PartStatus

log = logging.getLogger(__name__)

_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class ReceiptDeadline:
    after: timedelta  # from the SMSC's submit_sm_resp
    status: PartStatus  # what a part gets when no receipt came by then

    @classmethod
    def from_settings(cls, settings: DispatchSettings) -> "ReceiptDeadline":
        return cls(
            timedelta(seconds=settings.receipt_deadline_seconds),
            settings.receipt_deadline_status,
        )


async def time_out_overdue(
    session: AsyncSession, deadline: ReceiptDeadline, now: datetime, limit: int
) -> tuple[int, int]:
    """Give a final status to the parts of up to `limit` messages whose receipt is overdue.

    Returns (messages looked at, parts timed out); fewer messages than `limit` means none
    were left, apart from those locked by someone else right now.
    """
    cutoff = now - deadline.after
    messages = await repository.lock_overdue(session, cutoff, limit)
    timed_out = 0
    for message in messages:
        for part in message.parts:
            # Checked again under the lock: the receipt may have come since the query.
            submitted = part.submitted_at
            if part.status == "sent" and submitted is not None and submitted < cutoff:
                timed_out += int(message.time_out_part(part.part_index, deadline.status, now))
    return len(messages), timed_out


@dataclass(frozen=True, slots=True)
class StuckParts:
    waiting_for_billing: Waiting
    waiting_for_smsc: Waiting


async def report_stuck(session: AsyncSession, older_than: timedelta, now: datetime) -> StuckParts:
    """Log parts that have waited longer than `older_than` before ever reaching the SMSC.

    Nothing moves them on: a message billing never answered for can't be sent or refused
    without its verdict, and a queued part is the SMPP worker's to send. Someone has to look.
    """
    since = now - older_than
    stuck = StuckParts(
        await repository.waiting_for_billing(session, since, _EXAMPLES),
        await repository.waiting_for_smsc(session, since, _EXAMPLES),
    )
    for waiting, what in (
        (stuck.waiting_for_billing, "pending, no answer from billing"),
        (stuck.waiting_for_smsc, "queued, never submitted to the SMSC"),
    ):
        if waiting.parts:
            log.warning(
                "stuck parts: %d %s for over %s (oldest since %s; messages %s)",
                waiting.parts,
                what,
                older_than,
                waiting.oldest.isoformat() if waiting.oldest else "?",
                ", ".join(str(message_id) for message_id in waiting.examples),
            )
    return stuck
