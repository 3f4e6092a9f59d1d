from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from billing_service.companies.router import CompaniesDep
from billing_service.invoices import service
from billing_service.invoices.pdf import render
from billing_service.invoices.schemas import (
    InvoiceCreate,
    InvoiceList,
    InvoiceResponse,
    OpsInvoice,
    OpsInvoiceList,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep
from shared.security import Principal

Manager = Annotated[Principal, Depends(require("billing:manage"))]
Reader = Annotated[Principal, Depends(require("billing:read"))]

router = APIRouter(
    prefix="/v1/billing/invoices", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)
ops_router = APIRouter(
    prefix="/v1/ops/invoices",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problems(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


async def _due_days(request: Request) -> int:
    days: int = request.app.state.runtime.settings.invoice_due_days
    return days


@router.post(
    "",
    status_code=201,
    summary="Issue an invoice to prepay by bank transfer (numbered per company and year)",
    responses={
        **_problems(409, "Billing has not opened the account yet (`account_not_open`)"),
        **_problems(
            422,
            "Invalid input (`validation_error`); an amount zero, negative, over 1000000 or "
            "finer than cents (`invalid_amount`); a currency the account does not use "
            "(`currency_mismatch`)",
        ),
    },
)
async def issue_invoice(
    body: InvoiceCreate,
    principal: Manager,
    session: SessionDep,
    companies: CompaniesDep,
    due_days: Annotated[int, Depends(_due_days)],
) -> InvoiceResponse:
    invoice = await service.issue_invoice(
        session, companies, principal.account_id, body.amount, body.currency, due_days
    )
    return InvoiceResponse.of(invoice)


@router.get(
    "",
    summary="The account's invoices and acts, newest first",
    responses=_problems(422, "A cursor not from a previous page (`invalid_cursor`)"),
)
async def list_invoices(
    principal: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
) -> InvoiceList:
    invoices, next_cursor = await service.list_invoices(
        session, principal.account_id, limit, cursor
    )
    return InvoiceList(
        items=[InvoiceResponse.of(invoice) for invoice in invoices], next_cursor=next_cursor
    )


@router.get(
    "/{invoice_id}.pdf",
    summary="An invoice or act as PDF",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(404),
    },
)
async def invoice_pdf(invoice_id: UUID, principal: Reader, session: SessionDep) -> Response:
    invoice = await service.invoice_of(session, principal.account_id, invoice_id)
    return Response(
        render(invoice),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{invoice.number}.pdf"'},
    )


@ops_router.get("", summary="Find invoices by number (a transfer's reference), account, status")
async def find_invoices(
    _: OperatorDep,
    session: SessionDep,
    number: str | None = None,
    account_id: UUID | None = None,
    status: Annotated[Literal["issued", "paid"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OpsInvoiceList:
    invoices = await service.find_invoices(session, number, account_id, status, limit)
    return OpsInvoiceList(
        items=[
            OpsInvoice(account_id=i.account_id, **InvoiceResponse.of(i).model_dump())
            for i in invoices
        ]
    )


@ops_router.post(
    "/{invoice_id}/paid",
    summary="Record the bank transfer of an invoice: the balance gets its net amount",
    responses={
        **problem_responses(404),
        **_problems(
            409, "Paid before (`invoice_already_paid`), or an act, not an invoice (`not_payable`)"
        ),
    },
)
async def mark_paid(
    invoice_id: UUID, operator: OperatorDep, session: SessionDep
) -> InvoiceResponse:
    return InvoiceResponse.of(await service.mark_paid(session, operator, invoice_id))
