"""The inbox handler for auth's `account.state_changed`: runs in the consumer's transaction
and never commits. Idempotent by nature: a replayed or older event changes nothing."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.retention import repository
from shared.events import AccountStateChanged
from shared.inbox import Batched, Handler

TOPICS = (AccountStateChanged.topic,)


async def on_account_states_changed(
    session: AsyncSession, events: Sequence[AccountStateChanged]
) -> None:
    await repository.apply_states(session, events)


HANDLERS: dict[str, Handler] = {"account.state_changed": Batched(on_account_states_changed)}
