"""The one consumer group: deliver_sm PDUs from the SMSC and submit responses from dispatch."""

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.config import DlrSettings
from dlr_service.inbound.service import record_inbound
from dlr_service.receipts.matching import MatchWindow
from dlr_service.receipts.parsing import is_receipt
from dlr_service.receipts.service import record_part_submitted, record_receipt
from shared.events import DeliverSmReceived, MessagePartSubmitted
from shared.runtime import ConsumerSpec


def consumer_spec(settings: DlrSettings) -> ConsumerSpec:
    window = MatchWindow(before=settings.match_window, after=settings.early_receipt)

    async def on_deliver_sm(session: AsyncSession, event: DeliverSmReceived) -> None:
        # data_sm carries receipts and MOs just like deliver_sm; esm_class tells them apart.
        if is_receipt(event.esm_class):
            await record_receipt(session, event, window)
        else:
            await record_inbound(session, event, settings.mo_duplicate_window)

    async def on_part_submitted(session: AsyncSession, event: MessagePartSubmitted) -> None:
        await record_part_submitted(session, event, window)

    # Both topics in one group on purpose: a receipt and the submit response it refers to
    # then meet in one consumer, and the per-key locks in the repository cover replicas.
    return ConsumerSpec(
        name="dlr",
        topics=(DeliverSmReceived.topic, MessagePartSubmitted.topic),
        handlers={
            "smpp.deliver_sm_received": on_deliver_sm,
            "message.part_submitted": on_part_submitted,
        },
    )
