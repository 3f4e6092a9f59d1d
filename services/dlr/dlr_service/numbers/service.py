"""Assigning numbers to accounts (operators only)."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dlr_service.numbers.addresses import canonical, is_e164, is_short_code
from dlr_service.numbers.models import AssignedNumber
from dlr_service.numbers.repository import NumberRepository
from shared.errors import NotFound, ProblemError
from shared.events import utcnow


class InvalidNumber(ProblemError):
    def __init__(self, number: str) -> None:
        super().__init__(
            422,
            "invalid_number",
            "Invalid number",
            f"{number!r} is neither an E.164 number nor a short code of 3 to 8 digits",
        )


class NumberTaken(ProblemError):
    def __init__(self, number: str) -> None:
        super().__init__(
            409,
            "number_taken",
            "Number taken",
            f"{number} is assigned to another account; unassign it there first",
        )


def checked(number: str) -> str:
    spelled = canonical(number)
    if not (is_e164(spelled) or is_short_code(spelled)):
        raise InvalidNumber(number)
    return spelled


async def assign(session: AsyncSession, number: str, account_id: UUID) -> AssignedNumber:
    """Idempotent for the same account; refused for another."""
    spelled = checked(number)
    repository = NumberRepository(session)
    await repository.insert_if_free(
        AssignedNumber(
            number=spelled,
            account_id=account_id,
            kind="long_number" if is_e164(spelled) else "short_code",
            assigned_at=utcnow(),
        )
    )
    held = await repository.get(spelled)
    assert held is not None
    if held.account_id != account_id:
        raise NumberTaken(spelled)
    return held


async def list_(
    session: AsyncSession, account_id: UUID | None, limit: int, after: str | None
) -> Sequence[AssignedNumber]:
    return await NumberRepository(session).list_(account_id, limit, after)


async def unassign(session: AsyncSession, number: str) -> None:
    if not await NumberRepository(session).delete(checked(number)):
        raise NotFound("Number")
