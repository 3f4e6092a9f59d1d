from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from billing_service.ledger.money import format_units
from billing_service.tariffs.cache import TariffCache
from shared.app import SessionDep
from shared.events import utcnow

MAX_DESTINATIONS = 1000  # a batch's size

# Not routed by the gateway (gateway/routes.py knows no /internal/ prefix): only services
# inside the cluster reach it. It answers without a token; now that it tells an account's own
# prices, this is the place to require a service credential.
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


@internal_router.post("/prices", summary="The price of one SMS part to each destination")
async def prices(body: PriceQuery, request: Request, session: SessionDep) -> PriceList:
    tariffs: TariffCache = request.app.state.tariffs
    book = await tariffs.book(session)
    now = utcnow()
    answer = []
    for number in dict.fromkeys(body.destinations):
        price = book.price_of(body.account_id, number, now)
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
