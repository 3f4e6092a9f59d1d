"""An account's own contact fields (issue 11): a key and a type each, and the check that a
contact's `custom` values fit them."""

import math
from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.fields import repository
from contacts_service.fields.models import CustomField
from contacts_service.fields.schemas import FieldCreate
from shared.errors import NotFound, ProblemError
from shared.events import utcnow

MAX_FIELDS = 50
TEXT_MAX = 500

CustomValue = str | int | float | bool
Stored = str | int | float | bool  # dates are kept as their ISO text


class FieldExists(ProblemError):
    def __init__(self, key: str) -> None:
        super().__init__(
            409, "field_exists", "Field exists", f"The account already has a field {key!r}"
        )


class TooManyFields(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "too_many_fields",
            "Too many fields",
            f"An account has at most {MAX_FIELDS} custom fields; delete one first",
        )


class InvalidCustomField(ProblemError):
    def __init__(self, problems: dict[str, str]) -> None:
        keys = sorted(problems)
        super().__init__(
            422,
            "invalid_custom_field",
            "Invalid custom field",
            "; ".join(f"{key!r}: {problems[key]}" for key in keys),
            keys=keys,
        )


async def create(session: AsyncSession, account_id: UUID, body: FieldCreate) -> CustomField:
    if await repository.count(session, account_id) >= MAX_FIELDS:
        raise TooManyFields()
    field = CustomField(account_id=account_id, key=body.key, type=body.type, created_at=utcnow())
    if not await repository.saved(session, field):
        raise FieldExists(body.key)
    return field


async def list_all(session: AsyncSession, account_id: UUID) -> Sequence[CustomField]:
    return await repository.list_for_account(session, account_id)


async def delete(session: AsyncSession, account_id: UUID, key: str) -> None:
    # Every contact's value of the field goes with it (ON DELETE CASCADE).
    if not await repository.remove(session, account_id, key):
        raise NotFound("Field")


async def checked_values(
    session: AsyncSession, account_id: UUID, values: Mapping[str, CustomValue | None]
) -> dict[str, Stored | None]:
    """The values as stored (None: remove the value), or InvalidCustomField naming every
    key that is not the account's or whose value does not fit its type."""
    if not values:
        return {}
    types = {
        field.key: field.type for field in await repository.list_for_account(session, account_id)
    }
    stored: dict[str, Stored | None] = {}
    problems: dict[str, str] = {}
    for key, value in values.items():
        if key not in types:
            problems[key] = "no such field; add it with POST /v1/contacts/fields"
            continue
        try:
            stored[key] = None if value is None else _fit(types[key], value)
        except ValueError as exc:
            problems[key] = str(exc)
    if problems:
        raise InvalidCustomField(problems)
    return stored


def _fit(field_type: str, value: CustomValue) -> Stored:
    if field_type == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError("expected true or false")
    if field_type == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                return value
        raise ValueError("expected a finite number")
    if field_type == "date":
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise ValueError("expected a date as YYYY-MM-DD")
    if isinstance(value, str) and value.strip() and len(value) <= TEXT_MAX:
        return value.strip()
    raise ValueError(f"expected text of 1-{TEXT_MAX} characters")
