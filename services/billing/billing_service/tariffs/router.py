from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from billing_service.companies.router import CompaniesDep
from billing_service.ledger.money import Pricing
from billing_service.ledger.service import currency_of
from billing_service.tariffs import service
from billing_service.tariffs.cache import TariffCache
from billing_service.tariffs.pricelist import parse_csv, parse_rows
from billing_service.tariffs.schemas import (
    AccountTariff,
    TariffCreate,
    TariffList,
    TariffResponse,
    VersionCreate,
    VersionResponse,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep
from shared.security import Principal


async def _tariffs(request: Request) -> TariffCache:
    tariffs: TariffCache = request.app.state.tariffs
    return tariffs


async def _pricing(request: Request) -> Pricing:
    pricing: Pricing = request.app.state.pricing
    return pricing


TariffsDep = Annotated[TariffCache, Depends(_tariffs)]
PricingDep = Annotated[Pricing, Depends(_pricing)]
Reader = Annotated[Principal, Depends(require("billing:read"))]

router = APIRouter(
    prefix="/v1/billing", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)
ops_router = APIRouter(
    prefix="/v1/ops/tariffs",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problems(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


@router.get("/tariff", summary="The account's prices per destination now, and the next ones")
async def account_tariff(
    principal: Reader, session: SessionDep, tariffs: TariffsDep, pricing: PricingDep
) -> AccountTariff:
    currency = await currency_of(session, pricing, principal.account_id)
    return service.account_tariff(await tariffs.book(session), principal.account_id, currency)


@ops_router.get("", summary="Every tariff, the public one first, with its versions")
async def list_tariffs(_: OperatorDep, session: SessionDep) -> TariffList:
    return TariffList(items=await service.list_tariffs(session))


@ops_router.post(
    "",
    summary="Create the public tariff, or an account's own price plan",
    responses={
        **_problems(
            409,
            "The public tariff in that currency, or the account's plan, exists (`tariff_exists`)",
        ),
        **_problems(
            422,
            "Invalid input (`validation_error`), a currency no contracting company bills in "
            "(`unsupported_currency`), or an account's plan in a currency other than its "
            "balance's (`currency_mismatch`)",
        ),
    },
)
async def create_tariff(
    body: TariffCreate,
    _: OperatorDep,
    session: SessionDep,
    pricing: PricingDep,
    companies: CompaniesDep,
) -> TariffResponse:
    currencies = {pricing.currency, *companies.currencies}
    return await service.create_tariff(
        session, currencies, body.name, body.account_id, body.currency
    )


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its `$defs` written in place: the body is declared by hand
    (JSON or CSV), and `#/$defs/...` would point nowhere in the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


_CSV_DOC = (
    "A price list as JSON (`prices`), or as `text/csv` with the header `prefix,price_per_part` "
    "and `effective_from` in the query. Prices have at most 4 fraction digits and are never "
    "negative. The version takes effect at `effective_from` (now if omitted, never in the "
    "past) and is never changed afterwards: schedule another to change prices."
)


@ops_router.post(
    "/{tariff_id}/versions",
    summary="Schedule a new version of a tariff's prices",
    description=_CSV_DOC,
    responses={
        **problem_responses(404),
        **_problems(409, "The tariff has a version from that moment (`version_exists`)"),
        **_problems(
            422,
            "Invalid input (`validation_error`), a bad price list naming its lines "
            "(`invalid_price_list`), or `effective_from` in the past (`invalid_effective_from`)",
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _inlined(VersionCreate.model_json_schema())},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def add_version(
    tariff_id: UUID,
    request: Request,
    operator: OperatorDep,
    session: SessionDep,
    tariffs: TariffsDep,
    effective_from: Annotated[
        datetime | None, Query(description="For a text/csv body: when the prices take effect")
    ] = None,
) -> VersionResponse:
    body = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip() == "text/csv":
        prices, start = parse_csv(body), effective_from
    else:
        try:
            parsed = VersionCreate.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None
        prices = parse_rows(
            (line, price.prefix, str(price.price_per_part))
            for line, price in enumerate(parsed.prices, start=1)
        )
        start = parsed.effective_from
    version = await service.add_version(session, tariff_id, start, prices, operator.subject)
    tariffs.invalidate_after_commit(session)
    return version


@ops_router.get(
    "/{tariff_id}/versions/{version_id}",
    summary="One version's prices",
    responses=problem_responses(404),
)
async def get_version(
    tariff_id: UUID, version_id: UUID, _: OperatorDep, session: SessionDep
) -> VersionResponse:
    return await service.get_version(session, tariff_id, version_id)
