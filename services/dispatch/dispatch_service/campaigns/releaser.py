"""The periodic task that sends running campaigns: a round takes the next recipients of one
campaign, personalises their texts and hands them to the batch path (the same checks,
consent gate, sending window and all-or-none billing as `POST /v1/messages/batch`), in one
transaction with the recipients marked; so a campaign of any size never holds a transaction
open longer than one batch, and a crash leaves every recipient released exactly once."""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch_service.accounts.service import AccountNotActive, AccountStates
from dispatch_service.backlog.service import BacklogFull, BacklogGate
from dispatch_service.batches import service as batches
from dispatch_service.batches.schemas import BatchEntry, SendBatchRequest
from dispatch_service.batches.service import BatchRejected
from dispatch_service.campaigns import repository
from dispatch_service.campaigns.models import Campaign, CampaignRecipient
from dispatch_service.campaigns.text import personalise
from dispatch_service.config import DispatchSettings
from dispatch_service.destinations.gate import DestinationGate
from dispatch_service.senders.intake import SenderGate
from dispatch_service.tariffs.gate import TariffGate
from dispatch_service.windows.service import window_for
from shared.db import session_scope
from shared.errors import ProblemError
from shared.events import utcnow

log = logging.getLogger(__name__)


class CampaignReleaser:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: DispatchSettings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        # The process's own gates, as the intake routers keep theirs.
        self._senders = SenderGate(settings)
        self._tariffs = TariffGate(settings)
        self._destinations = DestinationGate(settings)
        self._backlog = BacklogGate(settings)
        self._account_states = AccountStates(settings)

    async def release(self) -> int:
        """One round per due campaign until each is done, paused or the backlog is full."""
        async with self._sessionmaker() as session:
            due = await repository.due(session, self._clock(), 100)
        released = 0
        for campaign_id in due:
            while True:
                async for session in session_scope(self._sessionmaker):
                    count = await self._round(session, campaign_id)
                if count is None:
                    break
                released += count
        return released

    async def _round(self, session: AsyncSession, campaign_id: Any) -> int | None:
        """Release the next recipients; None when there is nothing more to do now."""
        campaign = await repository.lock_active(session, campaign_id)
        if campaign is None:
            return None  # paused, cancelled, done, or another process has it
        now = self._clock()
        if campaign.state == "scheduled":
            if campaign.send_at is not None and campaign.send_at > now:
                return None
            campaign.state = "sending"
        rows = await repository.pending(
            session, campaign.id, self._settings.campaign_release_batch_size
        )
        if not rows:
            campaign.state, campaign.finished_at, campaign.updated_at = "completed", now, now
            log.info("campaign %s completed", campaign.id)
            return None
        try:
            # A suspended, blocked or closed account's campaign waits, its recipients
            # pending, instead of having every one of them refused.
            await self._account_states.check(session, campaign.account_id)
            outcome = await self._send(session, campaign, rows)
        except (AccountNotActive, BacklogFull):
            return None  # the next round goes on from here once the account may send
        await repository.settle(session, outcome)
        campaign.updated_at = now
        return len(rows)

    async def _send(
        self, session: AsyncSession, campaign: Campaign, rows: Sequence[CampaignRecipient]
    ) -> list[dict[str, Any]]:
        request = SendBatchRequest(
            messages=[
                BatchEntry(to=row.phone, text=personalise(campaign.text, row.fields))
                for row in rows
            ],
            sender=campaign.sender,
            purpose=campaign.purpose,
        )
        refused: dict[int, str] = {}
        message_ids: dict[int, Any] = {}
        try:
            answer, _ = await batches.send_batch(
                session,
                self._settings,
                campaign.account_id,
                request,
                backlog=self._backlog,
                trial=campaign.trial,
                senders=self._senders,
                window=await window_for(session, campaign.account_id, request.purpose),
                tariffs=self._tariffs,
                destinations=self._destinations,
            )
        except BatchRejected as exc:
            refused = {entry["index"]: entry["code"] for entry in exc.extensions["rejected"]}
        except (AccountNotActive, BacklogFull):
            raise
        except ProblemError as exc:
            # A refusal of the whole batch (e.g. the account's trial caps): every recipient
            # of the round is refused with it, and the campaign goes on to the next.
            refused = dict.fromkeys(range(len(rows)), exc.code)
        else:
            refused = {entry.index: entry.code for entry in answer.rejected}
            # The answer's messages are in the order of the entries accepted.
            accepted = [index for index in range(len(rows)) if index not in refused]
            message_ids = {
                index: message.id for index, message in zip(accepted, answer.messages, strict=True)
            }
        return [
            {
                "campaign_id": row.campaign_id,
                "chunk_no": row.chunk_no,
                "position": row.position,
                "state": "released" if index in message_ids else "refused",
                # The contact's values served the text; the message keeps what was sent,
                # so they are not kept twice (R16: no more personal data than needed).
                "fields": {},
                "message_id": message_ids.get(index),
                "refusal": refused.get(index),
            }
            for index, row in enumerate(rows)
        ]
