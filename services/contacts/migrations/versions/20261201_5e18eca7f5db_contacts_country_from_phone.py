"""contacts country from phone

Revision ID: 5e18eca7f5db
Revises: dfcb0faf9baa
Create Date: 2026-12-01 17:56:05.575521
"""

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "5e18eca7f5db"
down_revision: str | None = "dfcb0faf9baa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Frozen here rather than imported from the service, whose code may change after this runs.
# phonenumbers' regions beyond ISO 3166-1: Ascension, Tristan da Cunha, Kosovo, and
# "001" (non-geographic) and "ZZ" (unknown) which are no two letters anyway.
_NOT_ISO = {"AC", "TA", "XK"}
_BATCH = 1000


def _country(phone: str) -> str | None:
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    if region and len(region) == 2 and region.isalpha() and region not in _NOT_ISO:
        return str(region)
    return None


def upgrade() -> None:
    # Contacts from before `country` existed get the one a new contact gets by default.
    contacts = sa.table(
        "contacts",
        sa.column("id", sa.Uuid()),
        sa.column("phone", sa.String()),
        sa.column("country", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(contacts.c.id, contacts.c.phone).where(contacts.c.country.is_(None))
    ).all()
    by_country: dict[str, list[object]] = {}
    for contact_id, phone in rows:
        country = _country(phone)
        if country is not None:
            by_country.setdefault(country, []).append(contact_id)
    for country, ids in by_country.items():
        for start in range(0, len(ids), _BATCH):
            connection.execute(
                contacts.update()
                .where(contacts.c.id.in_(ids[start : start + _BATCH]))
                .values(country=country)
            )


def downgrade() -> None:
    # Nothing to undo: the column itself goes with the previous revision's downgrade.
    pass
