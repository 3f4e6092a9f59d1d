"""The inbox handler for auth's `account.state_changed`: runs in the consumer's transaction
and never commits. Idempotent by nature: a replayed or older event changes nothing."""

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.retention.models import AccountStateRow
from shared.events import AccountStateChanged
from shared.retention import apply_account_states


async def on_account_states_changed(
    session: AsyncSession, events: Sequence[AccountStateChanged]
) -> None:
    await apply_account_states(session, cast(Table, AccountStateRow.__table__), events)
