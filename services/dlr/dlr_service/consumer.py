"""The one consumer group: deliver_sm PDUs from the SMSC, and from dispatch submit responses
and accepted messages (who sent to whom, to tell whose a reply is)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.config import DlrSettings
from dlr_service.db import ErasedNumber
from dlr_service.inbound.ownership import record_sends
from dlr_service.inbound.service import record_inbound
from dlr_service.privacy import recipients
from dlr_service.privacy.erasure import on_erasure_requested
from dlr_service.receipts.matching import MatchWindow
from dlr_service.receipts.parsing import is_receipt
from dlr_service.receipts.service import record_parts_submitted, record_receipts
from dlr_service.retention.handlers import on_account_states_changed
from dlr_service.webhooks import callbacks
from shared import tracing
from shared.erasure import digest, erased_since, not_erased
from shared.events import (
    AccountStateChanged,
    BatchAccepted,
    DeliverSmReceived,
    MessageAccepted,
    MessagePartSubmitted,
    MessageRecipientsBackfilled,
    PrivacyEvent,
)
from shared.inbox import Batched
from shared.runtime import ConsumerSpec


def consumer_spec(settings: DlrSettings) -> ConsumerSpec:
    window = MatchWindow(before=settings.match_window, after=settings.early_receipt)

    async def on_deliver_sm(session: AsyncSession, events: Sequence[DeliverSmReceived]) -> None:
        # data_sm carries receipts and MOs just like deliver_sm; esm_class tells them apart.
        receipts = [event for event in events if is_receipt(event.esm_class)]
        await record_receipts(session, receipts, window)
        for event in events:
            if not is_receipt(event.esm_class):
                with tracing.handling(event):
                    await record_inbound(session, event, settings)

    async def on_parts_submitted(
        session: AsyncSession, events: Sequence[MessagePartSubmitted]
    ) -> None:
        await record_parts_submitted(session, events, window)

    async def on_accepted(
        session: AsyncSession, events: Sequence[MessageAccepted | BatchAccepted]
    ) -> None:
        # A send from before its number was erased would store the number again; a batch's
        # entries are filtered one by one.
        events = await not_erased(session, ErasedNumber, events, _single_number)
        events = [await _without_erased_entries(session, event) for event in events]
        await record_sends(session, events)
        await recipients.record(session, events)
        await callbacks.record(session, events)

    async def on_recipients_backfilled(
        session: AsyncSession, events: Sequence[MessageRecipientsBackfilled]
    ) -> None:
        await recipients.backfill(session, events)

    # Both topics in one group on purpose: a receipt and the submit response it refers to
    # then meet in one consumer, and the per-key locks in the repository cover replicas.
    # Submitted parts first, so a receipt fetched together with its part matches at once.
    return ConsumerSpec(
        name="dlr",
        # auth.accounts: closures start the retention clock (dlr_service/retention).
        topics=(
            MessagePartSubmitted.topic,
            DeliverSmReceived.topic,
            AccountStateChanged.topic,
            PrivacyEvent.topic,
        ),
        handlers={
            "smpp.deliver_sm_received": Batched(on_deliver_sm),
            "message.part_submitted": Batched(on_parts_submitted),
            # Same topic as the parts (dispatch.messages).
            "message.accepted": Batched(on_accepted),
            "batch.accepted": Batched(on_accepted),
            "message.recipients_backfilled": Batched(on_recipients_backfilled),
            "account.state_changed": Batched(on_account_states_changed),
            "privacy.erasure_requested": on_erasure_requested,
        },
    )


async def _without_erased_entries(
    session: AsyncSession, event: MessageAccepted | BatchAccepted
) -> MessageAccepted | BatchAccepted:
    if isinstance(event, MessageAccepted):
        return event
    erased = await erased_since(session, ErasedNumber, event.account_id, event.occurred_at)
    if not erased:
        return event
    kept = [
        message
        for message in event.messages
        if message.to is None or digest(event.account_id, message.to) not in erased
    ]
    return event.model_copy(update={"messages": kept})


def _single_number(event: MessageAccepted | BatchAccepted) -> str | None:
    # A batch's numbers are many: its entries are filtered by _without_erased_entries.
    return event.to if isinstance(event, MessageAccepted) else None
