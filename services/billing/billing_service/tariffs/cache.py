"""The tariff book of this process, refreshed every few seconds (BILLING_TARIFF_REFRESH_SECONDS)
rather than read per message. Versions are immutable, so a refresh reads the list of versions
and only the prices of versions it has not seen."""

import time
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.tariffs.book import TariffBook, VersionPrices
from billing_service.tariffs.repository import TariffRepository


class TariffCache:
    def __init__(self, *, flat_units: int, currency: str, refresh_seconds: float) -> None:
        self._flat_units = flat_units
        self._currency = currency
        self._refresh_seconds = refresh_seconds
        self._book: TariffBook | None = None
        self._loaded_at = 0.0
        self._prices: dict[UUID, VersionPrices] = {}

    def invalidate(self) -> None:
        """This process changed the tariffs: read them again before the next price."""
        self._book = None

    async def book(self, session: AsyncSession) -> TariffBook:
        if self._book is not None and time.monotonic() - self._loaded_at < self._refresh_seconds:
            return self._book
        loaded_at = time.monotonic()
        repository = TariffRepository(session)
        rows = await repository.versions()
        unseen = [version.id for version, _, _ in rows if version.id not in self._prices]
        prices = await repository.prices(unseen)
        for version, _, currency in rows:
            if version.id in prices:
                self._prices[version.id] = VersionPrices(
                    id=version.id,
                    tariff_id=version.tariff_id,
                    effective_from=version.effective_from,
                    currency=currency,
                    prices=prices[version.id],
                )
        book = TariffBook(
            ((account_id, self._prices[version.id]) for version, account_id, _ in rows),
            flat_units=self._flat_units,
            currency=self._currency,
        )
        self._book, self._loaded_at = book, loaded_at
        return book

    def invalidate_after_commit(self, session: AsyncSession) -> None:
        """Read the tariffs again once `session`'s changes to them are visible."""
        event.listen(session.sync_session, "after_commit", lambda _: self.invalidate(), once=True)
