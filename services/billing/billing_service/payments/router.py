from html import escape
from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from billing_service.companies.router import CompaniesDep
from billing_service.payments import service
from billing_service.payments.models import Payment
from billing_service.payments.providers import Providers
from billing_service.payments.providers.test import CHECKOUT_PATH, NAME, SandboxProvider
from billing_service.payments.schemas import TopUpCreate, TopUpResponse, WebhookAck
from shared.app import RuntimeDep, SessionDep
from shared.errors import AUTHENTICATED, NotFound, problem_responses
from shared.roles import require
from shared.security import Principal


async def _providers(request: Request) -> Providers:
    providers: Providers = request.app.state.payment_providers
    return providers


ProvidersDep = Annotated[Providers, Depends(_providers)]
Manager = Annotated[Principal, Depends(require("billing:manage"))]
Reader = Annotated[Principal, Depends(require("billing:read"))]

router = APIRouter(
    prefix="/v1/billing", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)
# Called by the provider (and its checkout by the customer's browser): no token, the
# signature is the credential.
provider_router = APIRouter(prefix="/v1/billing/providers", tags=["billing"])


def _problems(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


@router.post(
    "/top-ups",
    status_code=201,
    summary="Start a card top-up: the answer's checkout_url is where to pay",
    responses={
        **_problems(404, "No such provider (`unknown_provider`)"),
        **_problems(409, "Billing has not opened the account yet (`account_not_open`)"),
        **_problems(
            422,
            "Invalid input (`validation_error`); an amount zero, negative, over 1000000 or "
            "finer than cents (`invalid_amount`); a currency the account does not use "
            "(`currency_mismatch`)",
        ),
    },
)
async def create_top_up(
    body: TopUpCreate,
    principal: Manager,
    session: SessionDep,
    companies: CompaniesDep,
    providers: ProvidersDep,
) -> TopUpResponse:
    provider = service.provider_named(providers, body.provider)
    payment, url = await service.start_top_up(
        session, companies, provider, principal.account_id, body.amount, body.currency
    )
    return TopUpResponse.of(payment, url)


@router.get(
    "/top-ups/{payment_id}",
    summary="A top-up and whether it was paid",
    responses=problem_responses(404),
)
async def get_top_up(payment_id: UUID, principal: Reader, session: SessionDep) -> TopUpResponse:
    return TopUpResponse.of(await service.payment_of(session, principal.account_id, payment_id))


@provider_router.post(
    "/{name}/webhook",
    summary="The payment provider's signed notice that a payment succeeded or failed",
    description=(
        "Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`); "
        "a timestamp more than 5 minutes off is refused. A delivery id seen before is "
        "refused (`webhook_replayed`); a new delivery about a settled payment changes "
        "nothing."
    ),
    responses={
        **_problems(400, "Bad or stale signature (`invalid_signature`)"),
        **_problems(404, "No such provider (`unknown_provider`) or payment (`not_found`)"),
        **_problems(409, "This delivery was handled before (`webhook_replayed`)"),
        **_problems(
            422,
            "A signed payload that can't be read (`invalid_webhook`), or not the payment's "
            "amount or currency (`amount_mismatch`)",
        ),
    },
)
async def provider_webhook(
    name: str, request: Request, session: SessionDep, providers: ProvidersDep
) -> WebhookAck:
    provider = service.provider_named(providers, name)
    payment = await service.handle_webhook(
        session, provider, await request.body(), dict(request.headers)
    )
    return WebhookAck(payment_id=payment.id, status=payment.status)


def _sandbox(providers: Providers) -> SandboxProvider:
    provider = providers.get(NAME)
    if not isinstance(provider, SandboxProvider):
        raise NotFound("Provider")
    return provider


@provider_router.get(
    f"/{NAME}/checkout",
    summary="The test provider's checkout page (dev and tests only)",
    response_class=HTMLResponse,
    responses=problem_responses(404),
)
async def sandbox_checkout_page(
    payment_id: UUID, session: SessionDep, providers: ProvidersDep
) -> HTMLResponse:
    _sandbox(providers)
    payment = await session.get(Payment, payment_id)
    if payment is None or payment.provider != NAME:
        raise NotFound("Payment")
    total = f"{escape(TopUpResponse.of(payment).total)} {escape(payment.currency)}"
    return HTMLResponse(
        f"<!doctype html><title>Test checkout</title><h1>Pay {total}</h1>"
        f'<form method="post" action="{CHECKOUT_PATH}">'
        f'<input type="hidden" name="payment_id" value="{payment.id}">'
        '<button name="outcome" value="succeeded">Pay</button> '
        '<button name="outcome" value="failed">Decline</button></form>'
    )


@provider_router.post(
    f"/{NAME}/checkout",
    summary="Pay or decline on the test provider's checkout: it calls the webhook back",
    response_class=HTMLResponse,
    responses=problem_responses(404),
)
async def sandbox_checkout_submit(
    payment_id: Annotated[UUID, Form()],
    outcome: Annotated[str, Form(pattern="^(succeeded|failed)$")],
    runtime: RuntimeDep,
    providers: ProvidersDep,
) -> HTMLResponse:
    provider = _sandbox(providers)
    # A session of its own, closed before the callback: on SQLite (make dev) an open
    # transaction would hold the write lock the webhook's transaction waits for.
    async with runtime.sessionmaker() as session:
        payment = await session.get(Payment, payment_id)
    if payment is None or payment.provider != NAME:
        raise NotFound("Payment")
    body, headers = provider.signed_notice(
        payment.id, outcome, payment.total_units, payment.currency
    )
    # Through the public URL, as a real provider calls: the gateway, its routing and the
    # signature check are all on the way.
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(provider.webhook_url(), content=body, headers=headers)
    return HTMLResponse(
        f"<!doctype html><title>Test checkout</title><p>{escape(outcome)}: "
        f"the webhook answered {answer.status_code}</p>"
    )
