"""What billing listens to: accounts with a verified e-mail get starter credit, accepted
messages and batches get charged."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.batches.service import charge_batch
from billing_service.companies.config import Companies
from billing_service.companies.service import assign_at_registration
from billing_service.ledger import service
from billing_service.ledger.money import Pricing
from billing_service.tariffs.cache import TariffCache
from shared.events import AccountEmailVerified, AccountRegistered, BatchAccepted, MessageAccepted
from shared.inbox import Batched
from shared.runtime import ConsumerSpec


def billing_consumer(
    pricing: Pricing, tariffs: TariffCache, companies: Companies, group: str = "billing"
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

    return ConsumerSpec(
        name=group,
        topics=(AccountRegistered.topic, MessageAccepted.topic),
        handlers={
            "account.registered": on_account_registered,
            "account.email_verified": on_email_verified,
            "message.accepted": Batched(on_messages_accepted),
            "batch.accepted": on_batch_accepted,
        },
    )
