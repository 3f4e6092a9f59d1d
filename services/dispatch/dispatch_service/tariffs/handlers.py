"""The inbox handler for billing's `tariff.published`: runs in the consumer's transaction
and never commits."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.tariffs import repository
from shared.events import TariffPublished


async def on_tariffs_published(session: AsyncSession, events: Sequence[TariffPublished]) -> None:
    await repository.add(session, events)
