"""The export's queries: every one names the account."""

from sqlalchemy import select

from dispatch_service.consent.models import RecipientConsentRow
from dispatch_service.history.models import MessagePartEvent
from dispatch_service.messages.models import Message, MessagePart
from shared.export_stream import ExportPartRequest, ExportQuery


def export_queries(request: ExportPartRequest) -> list[ExportQuery]:
    messages = Message.__table__
    parts = MessagePart.__table__
    events = MessagePartEvent.__table__
    consents = RecipientConsentRow.__table__
    chosen = select(messages.c.id).where(messages.c.account_id == request.account_id)
    consent = select(consents).where(consents.c.account_id == request.account_id)
    if request.phone is not None:
        chosen = chosen.where(messages.c.to_number == request.phone)
        consent = consent.where(consents.c.phone == request.phone)
    ids = chosen.scalar_subquery()
    return [
        ExportQuery(
            "messages",
            select(messages).where(messages.c.id.in_(ids)).order_by(messages.c.created_at),
        ),
        ExportQuery(
            "message_parts",
            select(parts)
            .where(parts.c.message_id.in_(ids))
            .order_by(parts.c.message_id, parts.c.part_index),
        ),
        ExportQuery(
            "message_status_history",
            select(events)
            .where(events.c.account_id == request.account_id, events.c.message_id.in_(ids))
            .order_by(events.c.id),
        ),
        ExportQuery("recipient_consents", consent),
    ]
