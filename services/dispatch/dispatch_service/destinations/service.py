"""Operators enable high-risk categories and countries per account (issue 10: toll fraud)."""

from typing import Any
from uuid import UUID

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.db import Outbox
from dispatch_service.destinations import repository
from dispatch_service.destinations.gate import DestinationGate
from dispatch_service.destinations.models import DestinationExceptionRow
from dispatch_service.destinations.policy import Exceptions
from dispatch_service.destinations.schemas import DestinationExceptionsChange
from shared.errors import ProblemError, problem_response_doc
from shared.events import AuditRecorded, utcnow
from shared.outbox import add_event
from shared.security import Principal


class UnknownDestination(ProblemError):
    def __init__(self, code: str, what: str, unknown: list[str]) -> None:
        super().__init__(
            422, code, f"Unknown {what}", f"No such {what}: {', '.join(unknown)}", unknown=unknown
        )


UNKNOWN_DESTINATION_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": "`validation_error`: a malformed entry; `unknown_country` or "
        "`unknown_category` (with `unknown`): a country phone numbering does not know, or a "
        "category the high-risk ranges list does not have. Nothing was changed",
    },
}


async def decide(
    session: AsyncSession,
    gate: DestinationGate,
    operator: Principal,
    account_id: UUID,
    change: DestinationExceptionsChange,
) -> DestinationExceptionRow:
    categories = frozenset(change.allowed_categories)
    countries = frozenset(change.allowed_countries)
    if unknown := sorted(categories - gate.ranges.categories):
        raise UnknownDestination("unknown_category", "category", unknown)
    if unknown := sorted(countries - phonenumbers.SUPPORTED_REGIONS):
        raise UnknownDestination("unknown_country", "country", unknown)
    before = repository.exceptions_of(await repository.get(session, account_id))
    await repository.put(
        session,
        account_id,
        Exceptions(categories, countries),
        change.note,
        operator.subject,
        utcnow(),
    )
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="destinations.changed",
            object_type="account",
            object_id=str(account_id),
            # What changed, so the account's audit log answers "who let us call Iridium?".
            details={
                "categories_enabled": sorted(categories - before.allowed_categories),
                "categories_disabled": sorted(before.allowed_categories - categories),
                "countries_enabled": sorted(countries - before.allowed_countries),
                "countries_disabled": sorted(before.allowed_countries - countries),
            },
        ),
    )
    row = await repository.get(session, account_id)
    assert row is not None
    await session.refresh(row)
    return row
