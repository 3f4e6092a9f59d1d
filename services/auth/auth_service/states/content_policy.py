"""dispatch's content policy tripped for an account: its sending is suspended pending an
operator's review (issue 8, item 2), through the one state machine every enforcer follows.

Runs in the inbox consumer's transaction. Only an active account is suspended: a blocked or
closed one already sends nothing, and one already suspended keeps its first reason. A
replay changes nothing (the inbox drops it; and the account is no longer active anyway).
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.audit.service import SYSTEM, Origin
from auth_service.states.repository import account_for_update
from auth_service.states.service import SUSPEND, change_state
from shared.events import ContentPolicyTripped

REASON = "content policy review: messages were refused by the content policy"
# No request behind it: the record says the platform did it.
_NO_ORIGIN = Origin(ip=None, user_agent=None)


async def suspend_for_review(session: AsyncSession, events: Sequence[ContentPolicyTripped]) -> None:
    for event in events:
        account = await account_for_update(session, event.account_id)
        if account is None or account.state != "active":
            continue
        await change_state(session, _NO_ORIGIN, account, SUSPEND, SYSTEM, REASON)
