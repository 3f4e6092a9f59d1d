from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from billing_service.companies import service
from billing_service.companies.config import Companies
from billing_service.companies.schemas import (
    AccountCompanyResponse,
    CompanyChange,
    CompanyResponse,
)
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles import require
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep
from shared.security import Principal


async def _companies(request: Request) -> Companies:
    companies: Companies = request.app.state.companies
    return companies


CompaniesDep = Annotated[Companies, Depends(_companies)]
Reader = Annotated[Principal, Depends(require("billing:read"))]

router = APIRouter(
    prefix="/v1/billing", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)
ops_router = APIRouter(
    prefix="/v1/ops/accounts",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)


def _problems(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {**problem_responses(status)[status], "description": description}}


@router.get("/company", summary="The contracting company the account signs with (R15)")
async def account_company(
    principal: Reader, session: SessionDep, companies: CompaniesDep
) -> CompanyResponse:
    return CompanyResponse.of(await service.company_of(session, companies, principal.account_id))


@ops_router.put(
    "/{account_id}/company",
    summary="Move an account to another contracting company",
    description="Documents issued before keep the company they were issued by.",
    responses={
        **problem_responses(404),
        **_problems(
            409,
            "The company bills in another currency and the account's balance is not zero, "
            "or an invoice or top-up of it is unpaid (`currency_change_with_balance`)",
        ),
        **_problems(422, "Invalid input (`validation_error`), unknown `unknown_company`"),
    },
)
async def change_company(
    account_id: UUID,
    body: CompanyChange,
    operator: OperatorDep,
    session: SessionDep,
    companies: CompaniesDep,
) -> AccountCompanyResponse:
    company = await service.set_company(session, companies, operator, account_id, body.company)
    return AccountCompanyResponse(account_id=account_id, company=CompanyResponse.of(company))
