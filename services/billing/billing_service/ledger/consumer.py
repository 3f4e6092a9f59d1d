"""What billing listens to: accounts with a verified e-mail get starter credit, accepted
messages and batches get charged, parts the platform could not send get refunded, closed
accounts get a refund request (withdrawn if they reopen)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.batches.service import charge_batch
from billing_service.companies.config import Companies
from billing_service.companies.service import assign_at_registration
from billing_service.ledger import service
from billing_service.ledger.money import Pricing
from billing_service.tariffs.cache import TariffCache
from billing_service.terminations import service as terminations
from shared.events import (
    AccountEmailVerified,
    AccountRegistered,
    AccountStateChanged,
    BatchAccepted,
    MessageAccepted,
    MessagePartFailed,
    MessagePartStatusReported,
)
from shared.inbox import Batched, Handler
from shared.runtime import ConsumerSpec

# Receipt outcomes after the SMSC took the part: refunded only with BILLING_REFUND_UNDELIVERED.
UNDELIVERED = frozenset({"undelivered", "expired", "rejected"})


def billing_consumer(
    pricing: Pricing,
    tariffs: TariffCache,
    companies: Companies,
    group: str = "billing",
    *,
    refund_undelivered: bool = False,
) -> ConsumerSpec:
    async def on_account_registered(session: AsyncSession, event: AccountRegistered) -> None:
        await assign_at_registration(session, companies, event.account_id, event.country)
        # Sign-up policy `verified` publishes email_verified=False: the credit then waits
        # for account.email_verified, which may also have come first (another key).
        if event.email_verified:
            await service.grant_starter_credit(session, pricing, event.account_id)
        else:
            await service.open_account(session, pricing, event.account_id)

    async def on_email_verified(session: AsyncSession, event: AccountEmailVerified) -> None:
        await service.grant_starter_credit(session, pricing, event.account_id)

    async def on_messages_accepted(
        session: AsyncSession, events: Sequence[MessageAccepted]
    ) -> None:
        await service.charge_messages(session, pricing, tariffs, events)

    async def on_batch_accepted(session: AsyncSession, event: BatchAccepted) -> None:
        await charge_batch(session, pricing, tariffs, event)

    async def on_part_failed(session: AsyncSession, event: MessagePartFailed) -> None:
        await service.refund_part(session, event.message_id, event.part_index)

    async def on_state_changed(session: AsyncSession, event: AccountStateChanged) -> None:
        await terminations.on_state_changed(session, event)

    async def on_part_status(session: AsyncSession, event: MessagePartStatusReported) -> None:
        if event.status in UNDELIVERED:
            await service.refund_part(session, event.message_id, event.part_index)

    handlers: dict[str, Handler] = {
        "account.registered": on_account_registered,
        "account.email_verified": on_email_verified,
        "message.accepted": Batched(on_messages_accepted),
        "batch.accepted": on_batch_accepted,
        "message.part_failed": on_part_failed,
        # On auth.accounts, which billing reads already: in order with the registration.
        "account.state_changed": on_state_changed,
    }
    topics: tuple[str, ...] = (AccountRegistered.topic, MessageAccepted.topic)
    if refund_undelivered:
        # Only then: every receipt would otherwise cost billing an inbox row for nothing.
        handlers["message.part_status_reported"] = on_part_status
        topics += (MessagePartStatusReported.topic,)
    return ConsumerSpec(name=group, topics=topics, handlers=handlers)
