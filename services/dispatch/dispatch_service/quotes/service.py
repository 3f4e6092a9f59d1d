"""A send's answer without the send: composed and checked like one, priced by billing.

Only what the text and the number decide is checked (template, encoding policy, number,
sender format, length); the account's gates (sender approval, content policy, trial caps,
backlog, balance) judge the real send. Nothing is stored and no event is written."""

from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches.schemas import SendBatchRequest
from dispatch_service.batches.service import check_entries
from dispatch_service.config import DispatchSettings
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.messages.service import CheckedMessage, check_message
from dispatch_service.quotes.pricing import PartPrice, PricesUnavailable, prices_for
from dispatch_service.quotes.schemas import QuotedMessage, QuoteResponse
from dispatch_service.sms.transliterate import Replacement, ucs2_characters
from dispatch_service.templates.intake import compose_batch, compose_message

Quoted = tuple[int, str, CheckedMessage, list[Replacement]]


async def quote(
    session: AsyncSession,
    settings: DispatchSettings,
    account_id: UUID,
    request: SendMessageRequest | SendBatchRequest,
) -> QuoteResponse:
    if isinstance(request, SendMessageRequest):
        # Refused as the send would be: the same problem, the same code.
        single, replaced = await compose_message(session, account_id, request)
        checked = check_message(settings, single)
        return await _priced(settings, account_id, [(0, single.rendered_text(), checked, replaced)])
    composed = await compose_batch(session, account_id, request)
    entries, rejected = check_entries(settings, composed.request.entries(), composed.refused)
    quoted = [
        (index, text, checked, composed.replaced.get(index, [])) for index, text, checked in entries
    ]
    answer = await _priced(settings, account_id, quoted)
    answer.rejected = rejected
    return answer


async def _priced(
    settings: DispatchSettings, account_id: UUID, quoted: list[Quoted]
) -> QuoteResponse:
    prices: dict[str, PartPrice] = {}
    note = None
    if quoted:
        try:
            destinations = [checked.phone.e164 for _, _, checked, _ in quoted]
            prices = await prices_for(settings, account_id, destinations)
        except PricesUnavailable as exc:
            note = f"prices unavailable ({exc}); encoding and segments stand"
        else:
            unpriced = [number for number in destinations if number not in prices]
            if unpriced:
                note = f"no_tariff: no price for {', '.join(dict.fromkeys(unpriced))}"
    messages = [_message(*entry, prices.get(entry[2].phone.e164)) for entry in quoted]
    currencies = {message.currency for message in messages}
    total = None
    if messages and None not in currencies and len(currencies) == 1:
        total = str(sum((Decimal(message.price or 0) for message in messages), Decimal(0)))
    return QuoteResponse(
        messages=messages,
        rejected=[],
        total_price=total,
        currency=currencies.pop() if total is not None else None,
        note=note,
    )


def _message(
    index: int,
    text: str,
    checked: CheckedMessage,
    replaced: list[Replacement],
    price: PartPrice | None,
) -> QuotedMessage:
    split = checked.split
    return QuotedMessage(
        index=index,
        to=checked.phone.e164,
        text=text,
        encoding=split.encoding,
        segments=split.segments,
        characters=len(text),
        ucs2_characters=ucs2_characters(text),
        replaced=replaced,
        price_per_part=None if price is None else str(price.per_part),
        price=None if price is None else str(price.per_part * split.segments),
        currency=None if price is None else price.currency,
    )
