"""An import whose upload predates an erasure of one of its numbers (R17) does not bring the
person back, even when its worker read the file before the erasure blanked the row: the
row is skipped with the reason `number erased`, the other rows are imported. Against
PostgreSQL, with the import worker called as its periodic job calls it."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.contacts.models import Contact
from contacts_service.db import ErasedNumber
from contacts_service.imports.models import ContactImport
from contacts_service.imports.service import errors_path, process_pending, upload_path
from shared.db import create_engine, create_sessionmaker
from shared.erasure import digest
from shared.events import utcnow
from tests.support.databases import Databases

pytestmark = pytest.mark.asyncio(loop_scope="session")

ERASED = "+447700900321"
KEPT = "+447700900654"


@pytest.fixture
async def sessions(databases: Databases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await databases.create("contacts"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_rows_of_a_number_erased_after_the_upload_are_skipped(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    account_id, import_id, uploaded = uuid4(), uuid4(), utcnow() - timedelta(minutes=5)
    # The file as uploaded, before the erasure: the worker may hold it open unchanged.
    upload_path(str(tmp_path), import_id).write_text(
        f"Mobile,Name\n{ERASED},Ada\n{KEPT},Bo\n", encoding="utf-8"
    )
    async with sessions() as session, session.begin():
        session.add(
            ContactImport(
                id=import_id,
                account_id=account_id,
                file_name="contacts.csv",
                mapping={"Mobile": "phone", "Name": "name"},
                created_at=uploaded,
            )
        )
        # Erased after the upload, at this account; the same number erased at another
        # account does not touch this one's import.
        session.add(
            ErasedNumber(
                erasure_id=uuid4(),
                account_id=account_id,
                number_digest=digest(account_id, ERASED),
                rows=1,
                erased_at=utcnow(),
            )
        )

    assert await process_pending(sessions, str(tmp_path)) == 1

    async with sessions() as session:
        job = await session.get(ContactImport, import_id)
        phones = await session.scalars(
            select(Contact.phone).where(Contact.account_id == account_id)
        )
        assert list(phones) == [KEPT]
    assert job is not None
    assert (job.state, job.created, job.skipped) == ("done", 1, 1)
    assert errors_path(str(tmp_path), import_id).read_text().splitlines() == [
        "row,reason",
        "2,number erased",
    ]


async def test_an_erasure_from_before_the_upload_does_not_skip_the_number(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    account_id, import_id = uuid4(), uuid4()
    upload_path(str(tmp_path), import_id).write_text(f"Mobile\n{ERASED}\n", encoding="utf-8")
    async with sessions() as session, session.begin():
        # The person was erased, then the account uploaded the number again: new data.
        session.add(
            ErasedNumber(
                erasure_id=uuid4(),
                account_id=account_id,
                number_digest=digest(account_id, ERASED),
                rows=1,
                erased_at=utcnow() - timedelta(days=1),
            )
        )
        session.add(
            ContactImport(
                id=import_id,
                account_id=account_id,
                file_name="contacts.csv",
                mapping={"Mobile": "phone"},
                created_at=utcnow(),
            )
        )

    await process_pending(sessions, str(tmp_path))

    async with sessions() as session:
        phones = await session.scalars(
            select(Contact.phone).where(Contact.account_id == account_id)
        )
        assert list(phones) == [ERASED]
