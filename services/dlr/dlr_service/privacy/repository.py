"""The export's queries: every one names the account."""

from sqlalchemy import select

from dlr_service.inbound.models import InboundMessage
from dlr_service.receipts.models import ReceiptRecord
from shared.export_stream import ExportPartRequest, ExportQuery


def export_queries(request: ExportPartRequest) -> list[ExportQuery]:
    receipts = ReceiptRecord.__table__
    inbound = InboundMessage.__table__
    receipt_rows = select(receipts).where(receipts.c.account_id == request.account_id)
    inbound_rows = select(inbound).where(inbound.c.account_id == request.account_id)
    if request.phone is not None:
        # Receipts name no number: they are the number's through its messages' ids.
        receipt_rows = receipt_rows.where(receipts.c.message_id.in_(request.message_ids))
        # Inbound numbers are stored canonical (numbers.addresses): E.164 like the request's.
        inbound_rows = inbound_rows.where(inbound.c.from_number == request.phone)
    queries = [
        ExportQuery("inbound_messages", inbound_rows.order_by(inbound.c.received_at, inbound.c.id))
    ]
    if request.phone is None or request.message_ids:
        queries.append(
            ExportQuery(
                "receipts",
                receipt_rows.order_by(receipts.c.received_at, receipts.c.id),
            )
        )
    return queries
