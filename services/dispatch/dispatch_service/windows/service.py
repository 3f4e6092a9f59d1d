"""Applied at intake, after `send_at` (a message scheduled for 03:00 local waits further)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.consent.service import Purpose
from dispatch_service.messages.phone import PhoneNumber
from dispatch_service.windows import repository
from dispatch_service.windows.local_time import first_opening, zones_of
from dispatch_service.windows.models import SendingWindow


async def window_for(
    session: AsyncSession, account_id: UUID, purpose: Purpose
) -> SendingWindow | None:
    """The window a send of `purpose` must respect: marketing only; one lookup."""
    if purpose != "marketing":
        return None
    return await repository.get(session, account_id)


def held_until(
    window: SendingWindow | None, phone: PhoneNumber, send_at: datetime | None, now: datetime
) -> datetime | None:
    """When the message may go: `send_at` (None: now) moved to the window's next opening
    in the recipient's zones if it falls outside; None for now."""
    if window is None:
        return send_at
    at = send_at or now
    opening = first_opening(
        window.start_minute, window.end_minute, zones_of(phone.e164, phone.region), at
    )
    return None if opening <= now else opening
