from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from billing_service.ledger import service
from billing_service.ledger.money import Pricing, format_units
from billing_service.ledger.schemas import BalanceResponse, TransactionList, TransactionResponse
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/billing", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)


async def _pricing(request: Request) -> Pricing:
    pricing: Pricing = request.app.state.pricing
    return pricing


PricingDep = Annotated[Pricing, Depends(_pricing)]
Reader = Annotated[Principal, Depends(require("billing:read"))]


@router.get("/balance", summary="What the account can still spend")
async def balance(principal: Reader, session: SessionDep, pricing: PricingDep) -> BalanceResponse:
    amount, currency = await service.balance_of(session, pricing, principal.account_id)
    return BalanceResponse(balance=format_units(amount), currency=currency)


@router.get("/transactions", summary="Credits and charges, newest first (R13)")
async def transactions(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> TransactionList:
    entries = await service.statement(session, principal.account_id, limit)
    return TransactionList(
        items=[
            TransactionResponse(
                id=entry.id,
                kind=entry.kind,
                amount=format_units(entry.amount_units),
                message_id=entry.message_id,
                created_at=entry.created_at,
            )
            for entry in entries
        ]
    )
