"""The inbox handler for auth's `account.state_changed`: runs in the consumer's transaction
and never commits. Idempotent by nature: a replayed or older event changes nothing."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.accounts import repository
from shared.events import AccountStateChanged


async def on_account_states_changed(
    session: AsyncSession, events: Sequence[AccountStateChanged]
) -> None:
    await repository.apply(session, events)
