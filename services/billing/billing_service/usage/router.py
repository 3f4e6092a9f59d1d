from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from billing_service.ledger.money import Pricing
from billing_service.usage import service
from billing_service.usage.schemas import GroupBy, UsageReport
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, ProblemError, problem_responses
from shared.events import utcnow
from shared.roles import require
from shared.security import Principal

router = APIRouter(
    prefix="/v1/billing", tags=["billing"], responses=problem_responses(*AUTHENTICATED)
)
Reader = Annotated[Principal, Depends(require("billing:read"))]

_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or `from` not before `to` "
        "(`invalid_range`)",
    }
}
_DESCRIPTION = (
    "Messages, parts and money charged (less parts refunded) in [`from`, `to`), UTC, grouped "
    "by day, destination country or sender, in one currency. The figures are sums of the "
    "ledger's charge and refund transactions, so they equal the statement to the cent. "
    "`from` defaults to the start of the current month, `to` to now."
)


async def _pricing(request: Request) -> Pricing:
    pricing: Pricing = request.app.state.pricing
    return pricing


class InvalidRange(ProblemError):
    def __init__(self) -> None:
        super().__init__(422, "invalid_range", "Invalid date range", "`from` must be before `to`")


async def _report(
    principal: Reader,
    session: SessionDep,
    pricing: Annotated[Pricing, Depends(_pricing)],
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    group_by: GroupBy = "day",
    currency: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Z]{3}$",
            description="Omitted: the balance's currency. An account that moved to a company "
            "billing in another currency finds its earlier spending under the old one.",
        ),
    ] = None,
) -> UsageReport:
    until = until or utcnow()
    since = since or until.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if since >= until:
        raise InvalidRange()
    return await service.report(
        session, pricing, principal.account_id, since, until, group_by, currency
    )


ReportDep = Annotated[UsageReport, Depends(_report)]


@router.get(
    "/usage",
    summary="What the account spent, by day, country or sender (R13)",
    description=_DESCRIPTION,
    responses=_REFUSED,
    response_model_by_alias=True,
)
async def usage(report: ReportDep) -> UsageReport:
    return report


@router.get(
    "/usage.csv",
    summary="The usage report as CSV, for a spreadsheet",
    description=_DESCRIPTION + " Text cells that a spreadsheet would run as a formula are "
    "prefixed with `'`.",
    response_class=Response,
    responses={**_REFUSED, 200: {"content": {"text/csv": {}}, "description": "The report"}},
)
async def usage_csv(report: ReportDep) -> Response:
    return Response(
        service.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
    )
