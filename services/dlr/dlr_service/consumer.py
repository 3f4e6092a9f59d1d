"""The one consumer group: deliver_sm PDUs from the SMSC and submit responses from dispatch."""

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.inbound.service import record_inbound
from dlr_service.receipts.parsing import is_receipt
from dlr_service.receipts.service import record_part_submitted, record_receipt
from shared.events import DeliverSmReceived, MessagePartSubmitted
from shared.runtime import ConsumerSpec


async def on_deliver_sm(session: AsyncSession, event: DeliverSmReceived) -> None:
    if is_receipt(event.esm_class):
        await record_receipt(session, event)
    else:
        await record_inbound(session, event)


def consumer_spec() -> ConsumerSpec:
    # Both topics in one group on purpose: a receipt and the submit response it refers to
    # then meet in one consumer, and the per-key locks in the repository cover replicas.
    return ConsumerSpec(
        name="dlr",
        topics=(DeliverSmReceived.topic, MessagePartSubmitted.topic),
        handlers={
            "smpp.deliver_sm_received": on_deliver_sm,
            "message.part_submitted": record_part_submitted,
        },
    )
