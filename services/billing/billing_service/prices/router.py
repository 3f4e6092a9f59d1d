from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from billing_service.ledger.money import Pricing, format_units

MAX_DESTINATIONS = 1000  # a batch's size

# Not routed by the gateway (gateway/routes.py knows no /internal/ prefix): only services
# inside the cluster reach it. It answers without a token because it tells nothing an
# account could not read from the public price list; per-account tariffs (issue 10) will
# answer here too, and then this is the place to require a service credential.
internal_router = APIRouter(prefix="/internal/v1", tags=["internal"])


class PriceQuery(BaseModel):
    account_id: UUID
    destinations: list[str] = Field(min_length=1, max_length=MAX_DESTINATIONS)


class Price(BaseModel):
    destination: str
    price_per_part: str = Field(examples=["0.05"])
    currency: str = Field(examples=["EUR"])


class PriceList(BaseModel):
    prices: list[Price]


@internal_router.post("/prices", summary="The price of one SMS part to each destination")
async def prices(body: PriceQuery, request: Request) -> PriceList:
    pricing: Pricing = request.app.state.pricing
    # Flat today: the same price everywhere, for every account.
    each = format_units(pricing.price_per_part_units)
    return PriceList(
        prices=[
            Price(destination=number, price_per_part=each, currency=pricing.currency)
            for number in dict.fromkeys(body.destinations)
        ]
    )
