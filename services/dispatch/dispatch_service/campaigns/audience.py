"""Waiting for a campaign's audience: contacts answers `campaign.audience_requested` with
chunks, but if none comes (contacts down past the timeout, the request dead-lettered) a
draft would wait forever. A periodic check asks again, as a new generation that contacts
pages anew and whose chunks replace whatever came of the earlier one; after
`campaign_audience_max_requests` requests the campaign is `failed`, with the reason shown
in `GET /v1/campaigns/{id}`. The timeout counts from the last progress (a request or a
chunk), so a large audience still arriving is never cut off."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.campaigns import repository
from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from dispatch_service.templates.render import placeholders
from shared.db import session_scope
from shared.events import CampaignAudienceRequested, utcnow
from shared.outbox import add_event

log = logging.getLogger(__name__)


class AudienceWatch:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: DispatchSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._timeout = timedelta(seconds=settings.campaign_audience_timeout_seconds)
        self._max_requests = settings.campaign_audience_max_requests
        self._clock = clock

    async def check(self) -> int:
        """Asks again for, or fails, every overdue audience; returns how many it touched."""
        now = self._clock()
        cutoff = now - self._timeout
        async with self._sessionmaker() as session:
            overdue = await repository.audience_overdue(session, cutoff, 100)
        touched = 0
        for campaign_id in overdue:
            async for session in session_scope(self._sessionmaker):
                touched += await self._ask_again_or_fail(session, campaign_id, cutoff, now)
        return touched

    async def _ask_again_or_fail(
        self, session: AsyncSession, campaign_id: UUID, cutoff: datetime, now: datetime
    ) -> int:
        campaign = await repository.lock_audience_overdue(session, campaign_id, cutoff)
        if campaign is None:
            return 0  # a chunk came meanwhile, or another replica has it
        if campaign.audience_requests >= self._max_requests:
            campaign.state = "failed"
            campaign.failure_reason = (
                f"The audience did not come from contacts after {campaign.audience_requests} "
                "requests; create the campaign again"
            )
            campaign.finished_at = campaign.updated_at = now
            log.warning("campaign %s failed: %s", campaign.id, campaign.failure_reason)
            return 1
        await repository.forget_audience(session, campaign.id)
        campaign.audience_generation += 1
        campaign.audience_requests += 1
        campaign.chunks_received = campaign.recipients = 0
        campaign.audience_progress_at = campaign.updated_at = now
        add_event(
            session,
            Outbox,
            CampaignAudienceRequested(
                account_id=campaign.account_id,
                campaign_id=campaign.id,
                group_ids=[UUID(group_id) for group_id in campaign.group_ids],
                purpose=campaign.purpose,
                # The stored text names the same fields the first request asked for.
                fields=placeholders(campaign.text),
                generation=campaign.audience_generation,
            ),
        )
        log.info(
            "campaign %s: audience asked for again (%d)", campaign.id, campaign.audience_requests
        )
        return 1
