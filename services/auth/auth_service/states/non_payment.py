"""billing says a postpaid account's invoice is overdue: its sending is suspended for
non-payment (issue 10 item 6) through the one state machine every enforcer follows, and
lifted when billing says the overdue invoices are paid.

Runs in the inbox consumer's transaction. Only an active account is suspended: a blocked or
closed one already sends nothing, and one already suspended (by an operator, the content
policy or an earlier invoice) keeps its first reason. Lifting reinstates only a suspension
this module made, recognised by its reason: an operator's or the content policy's stays.
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit.service import SYSTEM, Origin
from auth_service.states.repository import account_for_update
from auth_service.states.service import REINSTATE, SUSPEND, change_state
from shared.events import PaymentOverdue, PaymentOverdueCleared

# The start of the reason users see (and the gateway's `account_suspended` detail shows).
REASON_PREFIX = "invoice_overdue"
# No request behind it: the record says the platform did it.
_NO_ORIGIN = Origin(ip=None, user_agent=None)


def reason_for(event: PaymentOverdue) -> str:
    return f"{REASON_PREFIX}: invoice {event.number} was due {event.due_date.isoformat()}"


async def suspend_for_overdue(session: AsyncSession, events: Sequence[PaymentOverdue]) -> None:
    for event in events:
        account = await account_for_update(session, event.account_id)
        if account is None or account.state != "active":
            continue
        await change_state(session, _NO_ORIGIN, account, SUSPEND, SYSTEM, reason_for(event))


async def lift_when_paid(session: AsyncSession, events: Sequence[PaymentOverdueCleared]) -> None:
    for event in events:
        account = await account_for_update(session, event.account_id)
        if account is None or account.state != "suspended":
            continue
        if not (account.state_reason or "").startswith(REASON_PREFIX):
            continue
        await change_state(session, _NO_ORIGIN, account, REINSTATE, SYSTEM)
