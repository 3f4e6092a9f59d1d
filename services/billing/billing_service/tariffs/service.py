"""Operators' tariffs and versions, and what a customer pays. Nothing here commits."""

from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from billing_service.db import Outbox
from billing_service.ledger.money import format_units
from billing_service.ledger.repository import LedgerRepository
from billing_service.tariffs.book import TariffBook, VersionPrices
from billing_service.tariffs.models import Tariff, TariffVersion
from billing_service.tariffs.repository import TariffRepository
from billing_service.tariffs.schemas import (
    AccountTariff,
    PriceOut,
    TariffResponse,
    VersionResponse,
    VersionSummary,
)
from shared.errors import NotFound, ProblemError
from shared.events import TariffPublished, utcnow
from shared.outbox import add_event

# A version "from now" reaches the server a moment after the operator's clock said now.
_CLOCK_SLACK = timedelta(seconds=5)


class TariffExists(ProblemError):
    def __init__(self, account_id: UUID | None, currency: str) -> None:
        whose = (
            f"The public tariff in {currency}"
            if account_id is None
            else f"Account {account_id}'s plan"
        )
        super().__init__(
            409, "tariff_exists", "Tariff exists", f"{whose} exists: add a version to it"
        )


class UnsupportedCurrency(ProblemError):
    def __init__(self, currency: str, used: list[str]) -> None:
        super().__init__(
            422,
            "unsupported_currency",
            "Unsupported currency",
            f"No balance is kept in {currency} (the companies bill in {', '.join(used)}): "
            "a tariff in it could not be charged",
        )


class PlanCurrencyMismatch(ProblemError):
    def __init__(self, currency: str, balance: str) -> None:
        super().__init__(
            422,
            "currency_mismatch",
            "Currency not used by the account",
            f"The account's balance is kept in {balance}; its plan can't be in {currency}",
        )


class InvalidEffectiveFrom(ProblemError):
    def __init__(
        self,
        detail: str = "A version takes effect now or later: versions in force are never changed",
    ) -> None:
        super().__init__(422, "invalid_effective_from", "Invalid effective_from", detail)


class VersionExists(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "version_exists",
            "Version exists",
            "The tariff has a version from this moment already",
        )


async def list_tariffs(session: AsyncSession) -> list[TariffResponse]:
    repository = TariffRepository(session)
    tariffs = await repository.tariffs()
    counts = await repository.price_counts()
    versions: dict[UUID, list[VersionSummary]] = {}
    for version in await repository.all_versions():
        versions.setdefault(version.tariff_id, []).append(
            VersionSummary(
                id=version.id,
                effective_from=version.effective_from,
                created_at=version.created_at,
                created_by=version.created_by,
                prices=counts.get(version.id, 0),
            )
        )
    return [_tariff(tariff, versions.get(tariff.id, [])) for tariff in tariffs]


def _tariff(tariff: Tariff, versions: list[VersionSummary]) -> TariffResponse:
    return TariffResponse(
        id=tariff.id,
        name=tariff.name,
        account_id=tariff.account_id,
        currency=tariff.currency,
        created_at=tariff.created_at,
        versions=versions,
    )


async def create_tariff(
    session: AsyncSession,
    currencies: Collection[str],
    name: str,
    account_id: UUID | None,
    currency: str,
) -> TariffResponse:
    """The public tariff of `currency` (one per currency), or an account's plan, in the
    currency its balance is kept in. `currencies`: those balances can be kept in."""
    if currency not in currencies:
        raise UnsupportedCurrency(currency, sorted(currencies))
    if account_id is not None:
        held = await LedgerRepository(session).currency_of(account_id)
        if held is not None and held != currency:
            raise PlanCurrencyMismatch(currency, held)
    repository = TariffRepository(session)
    if await repository.find(account_id, currency) is not None:
        raise TariffExists(account_id, currency)
    tariff = Tariff(name=name, account_id=account_id, currency=currency, created_at=utcnow())
    if not await repository.add(tariff):
        raise TariffExists(account_id, currency)
    return _tariff(tariff, [])


async def add_version(
    session: AsyncSession,
    tariff_id: UUID,
    effective_from: datetime | None,
    prices: dict[str, int],
    created_by: str,
) -> VersionResponse:
    repository = TariffRepository(session)
    tariff = await repository.get(tariff_id)
    if tariff is None:
        raise NotFound("Tariff")
    now = utcnow()
    if effective_from is None:
        effective_from = now
    elif effective_from.tzinfo is None:
        raise InvalidEffectiveFrom("effective_from needs a UTC offset, e.g. 2027-01-01T00:00:00Z")
    elif effective_from < now - _CLOCK_SLACK:
        raise InvalidEffectiveFrom()
    # Never before now: a message accepted in the slack keeps the price it was accepted at.
    effective_from = max(effective_from, now)
    if await repository.version_at(tariff_id, effective_from) is not None:
        raise VersionExists()
    version = TariffVersion(
        tariff_id=tariff_id, effective_from=effective_from, created_at=now, created_by=created_by
    )
    await repository.add_version(version, prices)
    add_event(session, Outbox, published(version, tariff.account_id, tariff.currency, prices))
    return _version(version.id, tariff_id, effective_from, prices)


def published(
    version: TariffVersion, account_id: UUID | None, currency: str, prices: Collection[str]
) -> TariffPublished:
    """What dispatch is told of a version: its prefixes and currency, not its prices."""
    return TariffPublished(
        account_id=account_id,
        tariff_id=version.tariff_id,
        version_id=version.id,
        effective_from=version.effective_from,
        prefixes=sorted(prices),
        currency=currency,
    )


async def get_version(session: AsyncSession, tariff_id: UUID, version_id: UUID) -> VersionResponse:
    repository = TariffRepository(session)
    version = await repository.get_version(version_id)
    if version is None or version.tariff_id != tariff_id:
        raise NotFound("Tariff version")
    prices = (await repository.prices([version_id]))[version_id]
    return _version(version.id, tariff_id, version.effective_from, prices)


def _version(
    version_id: UUID, tariff_id: UUID, effective_from: datetime, prices: dict[str, int]
) -> VersionResponse:
    return VersionResponse(
        id=version_id,
        tariff_id=tariff_id,
        effective_from=effective_from,
        prices=[
            PriceOut(prefix=prefix, price_per_part=format_units(units))
            for prefix, units in sorted(prices.items())
        ],
    )


def account_tariff(book: TariffBook, account_id: UUID, currency: str) -> AccountTariff:
    """`currency`: the account's balance's, the only one it is priced in."""
    now = utcnow()
    current = book.version_for(account_id, now, currency)
    upcoming = book.next_for(account_id, now, currency)
    flat = None if current else book.flat_for(currency)
    return AccountTariff(
        currency=currency,
        version=_shown(current),
        default_price_per_part=format_units(flat.units) if flat else None,
        next_version=_shown(upcoming),
    )


def _shown(version: VersionPrices | None) -> VersionResponse | None:
    if version is None:
        return None
    return _version(version.id, version.tariff_id, version.effective_from, dict(version.prices))
