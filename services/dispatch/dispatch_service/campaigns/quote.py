"""A draft's cost before it starts: every recipient's personalised text split as it will be
sent, priced by billing (quotes/pricing), a page of recipients at a time."""

from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.campaigns import repository
from dispatch_service.campaigns.models import Campaign
from dispatch_service.campaigns.schemas import CampaignQuote
from dispatch_service.campaigns.text import personalise
from dispatch_service.config import DispatchSettings
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.messages.service import check_message
from dispatch_service.quotes.pricing import PricesUnavailable, prices_for
from shared.errors import ProblemError

_PAGE = 1000


async def quote(
    session: AsyncSession, settings: DispatchSettings, campaign: Campaign
) -> CampaignQuote:
    segments, total, currencies = 0, Decimal(0), set[str]()
    unpriced: list[str] = []
    note: str | None = None
    after: tuple[int, int] | None = None
    # Split each distinct text once: most recipients of a campaign share their text, or
    # differ only in a name that rarely changes the part count.
    split_of: dict[str, int] = {}
    while True:
        rows = await repository.recipients_page(session, campaign.id, after, _PAGE)
        if not rows:
            break
        after = (rows[-1].chunk_no, rows[-1].position)
        parts: dict[str, int] = {}
        for row in rows:
            text = personalise(campaign.text, row.fields)
            count = split_of.get(text)
            if count is None:
                # Only a count is kept: a refusal may be the number's, not the text's.
                count = _segments(settings, row.phone, text, campaign.sender)
                if count is not None:
                    split_of[text] = count
            if count is None:
                continue  # refused when sent, so not charged either
            segments += count
            parts[row.phone] = parts.get(row.phone, 0) + count
        if note is not None:
            continue  # counting segments only: billing did not answer
        try:
            prices = await prices_for(settings, campaign.account_id, list(parts))
        except PricesUnavailable as exc:
            note = f"prices unavailable ({exc}); segments stand"
            continue
        for phone, count in parts.items():
            price = prices.get(phone)
            if price is None:
                unpriced.append(phone)
            else:
                total += price.per_part * count
                currencies.add(price.currency)
    priced = note is None and len(currencies) <= 1
    if note is None and unpriced:
        # The total stands for the others: these are refused `no_tariff` when sent.
        note = f"no_tariff: {len(unpriced)} recipients have no price and will be refused"
    return CampaignQuote(
        segments=segments,
        total_price=str(total) if priced else None,
        currency=next(iter(currencies), None) if priced else None,
        note=note,
    )


def _segments(settings: DispatchSettings, phone: str, text: str, sender: str | None) -> int | None:
    """The parts `text` takes, or None if a send of it would be refused."""
    try:
        request = SendMessageRequest(to=phone, text=text, sender=sender)
        return check_message(settings, request).split.segments
    except (ValidationError, ProblemError):
        return None
