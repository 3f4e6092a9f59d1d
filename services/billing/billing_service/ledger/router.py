from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from billing_service.ledger import service
from billing_service.ledger.models import TransactionKind
from billing_service.ledger.money import Pricing, format_units, to_units
from billing_service.ledger.repository import BalanceState
from billing_service.ledger.schemas import (
    BalanceResponse,
    LowBalanceResponse,
    LowBalanceThreshold,
    TransactionList,
    TransactionResponse,
)
from shared.app import SessionDep
from shared.cursor import decode_cursor, encode_cursor
from shared.errors import AUTHENTICATED, ProblemError, problem_responses
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
Manager = Annotated[Principal, Depends(require("billing:manage"))]


def _problems(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


class InvalidRange(ProblemError):
    def __init__(self) -> None:
        super().__init__(422, "invalid_range", "Invalid date range", "`from` must be before `to`")


@router.get(
    "/balance",
    summary="What the account can still spend",
    description="`balance` goes below zero only on a postpaid account, down to minus its "
    "`credit_limit`; `available` is what messages can still be charged: the two together.",
)
async def balance(principal: Reader, session: SessionDep, pricing: PricingDep) -> BalanceResponse:
    current = await service.balance_of(session, pricing, principal.account_id)
    return BalanceResponse(
        balance=format_units(current.amount_units),
        credit_limit=format_units(current.credit_limit_units),
        available=format_units(current.available_units),
        currency=current.currency,
    )


@router.get(
    "/transactions",
    summary="Credits, charges and refunds, newest first (R13)",
    description="Every movement of the account's balance, a page at a time. Filter by "
    "`type` (repeat it for several) and by time: `from` inclusive, `to` exclusive.",
    responses=_problems(
        422,
        "Invalid input (`validation_error`), a cursor this endpoint did not give "
        "(`invalid_cursor`), or `from` not before `to` (`invalid_range`)",
    ),
)
async def transactions(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    kinds: Annotated[list[TransactionKind] | None, Query(alias="type")] = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> TransactionList:
    if since is not None and until is not None and since >= until:
        raise InvalidRange()
    after = decode_cursor(cursor) if cursor else None
    rows = await service.page(
        session,
        principal.account_id,
        limit=limit + 1,
        after=after,
        kinds=kinds or [],
        since=since,
        until=until,
    )
    page, more = rows[:limit], len(rows) > limit
    return TransactionList(
        items=[
            TransactionResponse(
                id=row.id,
                kind=row.kind,
                amount=format_units(row.amount_units),
                currency=row.currency,
                message_id=row.message_id,
                parts=row.parts,
                country=row.country,
                sender=row.sender,
                memo=row.memo,
                created_at=row.created_at,
            )
            for row in page
        ],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    )


def _low(state: BalanceState | None, pricing: Pricing) -> LowBalanceResponse:
    if state is None:
        return LowBalanceResponse(
            threshold=format_units(0), custom=False, below=False, currency=pricing.currency
        )
    return LowBalanceResponse(
        threshold=format_units(state.threshold_units),
        custom=state.low_threshold_units is not None,
        below=state.low_flagged,
        currency=state.currency,
    )


@router.get("/low-balance-threshold", summary="Below what balance the account is warned (R5)")
async def low_balance_threshold(
    principal: Reader, session: SessionDep, pricing: PricingDep
) -> LowBalanceResponse:
    return _low(await service.low_balance_of(session, principal.account_id), pricing)


@router.put(
    "/low-balance-threshold",
    summary="Set the low-balance threshold (R5)",
    description="A `billing.balance_low` event is sent once each time the balance goes "
    "below it, again only after a credit lifts it back. `amount` null returns to the "
    "default, 10 % of the last top-up; 0 turns the warning off.",
    responses=_problems(422, "`validation_error`: negative, or more than 4 fraction digits"),
)
async def set_low_balance_threshold(
    body: LowBalanceThreshold, principal: Manager, session: SessionDep, pricing: PricingDep
) -> LowBalanceResponse:
    units = None if body.amount is None else to_units(body.amount)
    state = await service.set_low_threshold(session, pricing, principal.account_id, units)
    return _low(state, pricing)
