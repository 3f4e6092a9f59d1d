from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from billing_service.ledger.money import format_units
from billing_service.ledger.service import currency_of
from billing_service.tariffs.cache import TariffCache
from shared.app import SessionDep
from shared.errors import problem_responses
from shared.events import utcnow
from shared.internal import InternalCaller

MAX_DESTINATIONS = 1000  # a batch's size

# Not routed by the gateway (gateway/routes.py knows no /internal/ prefix): only services
# inside the cluster reach it, and only with the internal token (shared/internal.py): it tells
# an account's own price plan, which is no business of whatever else reaches the pod.
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"])


class PriceQuery(BaseModel):
    account_id: UUID
    destinations: list[str] = Field(min_length=1, max_length=MAX_DESTINATIONS)


class Price(BaseModel):
    destination: str
    price_per_part: str | None = Field(examples=["0.05"], description="null: see `note`")
    currency: str | None = Field(examples=["EUR"])
    note: str | None = Field(default=None, examples=["no_tariff"])


class PriceList(BaseModel):
    prices: list[Price]
    priced_at: datetime


@internal_router.post(
    "/prices",
    summary="The price of one SMS part to each destination",
    responses=problem_responses(401, 422),
)
async def prices(
    body: PriceQuery, request: Request, session: SessionDep, _: InternalCaller
) -> PriceList:
    tariffs: TariffCache = request.app.state.tariffs
    book = await tariffs.book(session)
    currency = await currency_of(session, request.app.state.pricing, body.account_id)
    now = utcnow()
    answer = []
    for number in dict.fromkeys(body.destinations):
        price = book.price_of(body.account_id, number, now, currency)
        answer.append(
            Price(destination=number, price_per_part=None, currency=None, note="no_tariff")
            if price is None
            else Price(
                destination=number,
                price_per_part=format_units(price.units),
                currency=price.currency,
            )
        )
    return PriceList(prices=answer, priced_at=now)
