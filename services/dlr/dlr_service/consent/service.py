"""An owned MO that is a keyword changes its sender's consent for the owning account."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.config import DlrSettings
from dlr_service.consent.keywords import Keyword, Keywords
from dlr_service.db import Outbox
from dlr_service.inbound.models import InboundMessage
from dlr_service.numbers.addresses import is_e164
from shared.events import RecipientConsentChanged
from shared.outbox import add_event

log = logging.getLogger(__name__)


def keywords(settings: DlrSettings) -> Keywords:
    return Keywords(settings.opt_out_keywords, settings.opt_in_keywords, settings.help_keywords)


def apply_keyword(session: AsyncSession, message: InboundMessage, found: Keyword) -> None:
    """Announce the change on recipients.consent, in the transaction storing the MO. A help
    request changes no consent: dispatch answers it (inbound.received's help_requested)."""
    if message.account_id is None or found.opted_out is None:
        return  # nobody's: no account to opt out of
    if not is_e164(message.from_number):
        log.warning(
            "keyword %r from %r: not a phone number, ignored", found.word, message.from_number
        )
        return
    event = RecipientConsentChanged(
        account_id=message.account_id,
        phone=message.from_number,
        opted_out=found.opted_out,
        source="keyword",
        evidence=f"inbound:{message.id}",
        # When the person sent it: consumers order a number's changes by it.
        occurred_at=message.received_at,
    )
    add_event(session, Outbox, event)
