"""Checked at batch intake: only requests past the threshold pay the one lookup."""

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.bulk import repository
from dispatch_service.bulk.models import BulkPermissionRow
from dispatch_service.config import DispatchSettings
from dispatch_service.db import Outbox
from shared.errors import ProblemError, problem_response_doc
from shared.events import AuditRecorded, utcnow
from shared.outbox import add_event
from shared.security import Principal


class BulkNotEnabled(ProblemError):
    def __init__(self, recipients: int, threshold: int) -> None:
        super().__init__(
            403,
            "bulk_not_enabled",
            "Mass mailing not enabled",
            f"This request has {recipients} recipients; more than {threshold} at once need "
            "mass mailing enabled for the account, which an operator does once the contract "
            "allows it. Nothing was accepted",
            threshold=threshold,
        )


BULK_NOT_ENABLED_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {
        **problem_response_doc(403),
        "description": "`bulk_not_enabled`: the request has more recipients than "
        "`threshold` and the account may not mail in bulk; nothing was accepted",
    },
}


async def check(
    session: AsyncSession, settings: DispatchSettings, account_id: UUID, recipients: int
) -> None:
    threshold = settings.bulk_recipients_threshold
    if threshold == 0 or recipients <= threshold:
        return
    row = await repository.get(session, account_id)
    if row is None or not row.enabled:
        raise BulkNotEnabled(recipients, threshold)


async def decide(
    session: AsyncSession,
    operator: Principal,
    account_id: UUID,
    enabled: bool,
    note: str | None,
) -> BulkPermissionRow:
    await repository.put(session, account_id, enabled, note, operator.subject, utcnow())
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=account_id,
            actor_type="operator",
            actor_id=operator.subject,
            action="bulk_mailing.enabled" if enabled else "bulk_mailing.disabled",
            object_type="account",
            object_id=str(account_id),
            details={},
        ),
    )
    row = await repository.get(session, account_id)
    assert row is not None
    await session.refresh(row)
    return row
