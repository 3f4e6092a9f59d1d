"""A campaign's audience expansion at size (issue 11 item 4): N consented contacts in one
group, paged out by contacts (`campaign_audience`, one transaction and one
`campaign.audience_chunk` outbox event per chunk) and stored by dispatch (one consumer
transaction per chunk), on fresh PostgreSQL databases migrated to head.

A benchmark, not a test: it asserts nothing and prints what it measured — recipients per
second of each side, the longest single transaction (no transaction may be the campaign's
size), and this process's peak RSS (a chunk, never the audience, in memory). The events go
from contacts' outbox to dispatch's handler in-process, in order, as the broker would hand
them over: Kafka's own cost is not in the figures. Releasing into the batch path is not
either (it is `POST /v1/messages/batch`'s cost: bench/e2e.py --batch).

    .venv/bin/python bench/campaign_expansion.py --contacts 100000
    .venv/bin/python bench/campaign_expansion.py --contacts 2000 --chunk 500   # a quick check
"""

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "services" / "contacts", ROOT / "services" / "dispatch"):
    sys.path.insert(0, str(path))

from contacts_service.campaign_audience import service as audience  # noqa: E402
from contacts_service.contacts.models import Contact  # noqa: E402
from contacts_service.db import Outbox as ContactsOutbox  # noqa: E402
from contacts_service.groups.models import ContactGroup, GroupMember  # noqa: E402
from dispatch_service.campaigns import service as campaigns  # noqa: E402
from dispatch_service.campaigns.models import Campaign  # noqa: E402
from shared.db import create_engine, create_sessionmaker  # noqa: E402
from shared.events import (  # noqa: E402
    CampaignAudienceChunk,
    CampaignAudienceRequested,
    parse_event,
    utcnow,
)

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEED_ROWS = 5000  # contacts per seeding statement


@dataclass
class Phase:
    name: str
    recipients: int = 0
    transactions: int = 0
    seconds: float = 0.0
    longest: float = 0.0
    durations: list[float] = field(default_factory=list)

    def record(self, seconds: float) -> None:
        self.transactions += 1
        self.durations.append(seconds)
        self.longest = max(self.longest, seconds)

    def line(self) -> str:
        rate = self.recipients / self.seconds if self.seconds else 0.0
        mean = sum(self.durations) / max(len(self.durations), 1)
        return (
            f"  {self.name:<22}{self.recipients:>9} recipients in {self.seconds:7.2f} s"
            f" = {rate:9.0f}/s; {self.transactions} transactions,"
            f" mean {mean * 1000:.1f} ms, longest {self.longest * 1000:.1f} ms"
        )


@asynccontextmanager
async def database(service: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh database for `service`, migrated with its own Alembic history; dropped after."""
    name = f"smsgw_bench_{uuid.uuid4().hex[:8]}_{service}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = (
        make_url(ADMIN_URL)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )
    engine = create_engine(url)
    try:
        env = {**os.environ, f"{service.upper()}_DATABASE_URL": url}
        ini = str(ROOT / "services" / service / "alembic.ini")
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "alembic", "-c", ini, "upgrade", "head"],
            env=env,
            check=True,
            capture_output=True,
        )
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, count: int
) -> uuid.UUID:
    """`count` consented contacts, all in one group; returns the group's id."""
    group_id, now = uuid.uuid4(), utcnow()
    consented = datetime(2026, 11, 1, tzinfo=UTC)
    async with sessionmaker() as session, session.begin():
        session.add(ContactGroup(id=group_id, account_id=account_id, name="everyone"))
    for first in range(0, count, SEED_ROWS):
        ids = [uuid.uuid4() for _ in range(first, min(first + SEED_ROWS, count))]
        contacts = [
            {
                "id": contact_id,
                "account_id": account_id,
                "phone": f"+4479{first + n:09d}",
                "name": f"Person {first + n}",
                "country": "GB",
                "consent_source": "benchmark",
                "consented_at": consented,
                "created_at": now,
            }
            for n, contact_id in enumerate(ids)
        ]
        async with sessionmaker() as session, session.begin():
            await session.execute(insert(Contact), contacts)
            await session.execute(
                insert(GroupMember), [{"group_id": group_id, "contact_id": i} for i in ids]
            )
    return group_id


async def page_audience(
    sessionmaker: async_sessionmaker[AsyncSession], event: CampaignAudienceRequested, chunk: int
) -> Phase:
    """Contacts' side, as its worker runs it: a chunk per transaction until the last."""
    phase = Phase("contacts: page audience")
    async with sessionmaker() as session, session.begin():
        await audience.on_requested(session, event)
    started = time.monotonic()
    while True:
        began = time.monotonic()
        async with sessionmaker() as session, session.begin():
            more = await audience._next_chunk(session, event.campaign_id, chunk)
        phase.record(time.monotonic() - began)
        if not more:
            break
    phase.seconds = time.monotonic() - started
    return phase


async def chunks_of(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: uuid.UUID
) -> AsyncIterator[CampaignAudienceChunk]:
    """The chunk events in contacts' outbox, in the order the relay publishes them; read a
    page at a time, so the audience is never in memory whole here either."""
    after = -1
    while True:
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(ContactsOutbox.seq, ContactsOutbox.payload)
                    .where(
                        ContactsOutbox.type == "campaign.audience_chunk",
                        ContactsOutbox.aggregateid == str(campaign_id),
                        ContactsOutbox.seq > after,
                    )
                    .order_by(ContactsOutbox.seq)
                    .limit(10)
                )
            ).all()
        if not rows:
            return
        for seq, payload in rows:
            after = seq
            event = parse_event(payload)
            assert isinstance(event, CampaignAudienceChunk)
            yield event


async def store_audience(
    contacts: async_sessionmaker[AsyncSession],
    dispatch: async_sessionmaker[AsyncSession],
    account_id: uuid.UUID,
    request: CampaignAudienceRequested,
) -> tuple[Phase, Campaign]:
    """Dispatch's side, as its consumer handles each chunk: one transaction each."""
    now = utcnow()
    async with dispatch() as session, session.begin():
        session.add(
            Campaign(
                id=request.campaign_id,
                account_id=account_id,
                name="Benchmark",
                text="Hi {{name}}, 20% off this week. Reply STOP to opt out",
                purpose="marketing",
                group_ids=[str(group) for group in request.group_ids],
                state="draft",
                audience_complete=False,
                chunks_received=0,
                recipients=0,
                audience_generation=0,
                audience_requests=1,
                audience_progress_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    phase = Phase("dispatch: store chunks")
    started = time.monotonic()
    async for chunk in chunks_of(contacts, request.campaign_id):
        began = time.monotonic()
        async with dispatch() as session, session.begin():
            await campaigns.on_audience_chunk(session, chunk)
        phase.record(time.monotonic() - began)
        phase.recipients += len(chunk.recipients)
    phase.seconds = time.monotonic() - started
    async with dispatch() as session:
        campaign = await session.get(Campaign, request.campaign_id)
    assert campaign is not None
    return phase, campaign


async def run(count: int, chunk: int) -> None:
    account_id = uuid.uuid4()
    async with database("contacts") as contacts, database("dispatch") as dispatch:
        began = time.monotonic()
        group_id = await seed(contacts, account_id, count)
        print(f"seeded {count} consented contacts in {time.monotonic() - began:.1f} s")
        request = CampaignAudienceRequested(
            account_id=account_id,
            campaign_id=uuid.uuid4(),
            group_ids=[group_id],
            purpose="marketing",
            fields=["name"],
        )
        paged = await page_audience(contacts, request, chunk)
        paged.recipients = count
        stored, campaign = await store_audience(contacts, dispatch, account_id, request)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"campaign expansion: {count} contacts, chunks of {chunk}")
    print(paged.line())
    print(stored.line())
    print(
        f"  campaign: {campaign.recipients} recipients, {campaign.chunks_received} chunks,"
        f" audience complete: {campaign.audience_complete}"
    )
    print(f"  peak RSS of this process: {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--chunk", type=int, default=1000, help="CONTACTS_CAMPAIGN_AUDIENCE_CHUNK_SIZE"
    )
    args = parser.parse_args()
    asyncio.run(run(args.contacts, args.chunk))


if __name__ == "__main__":
    main()
