"""A campaign's audience, paged out to dispatch a chunk per short transaction.

Who is in it: the members of the campaign's groups whose current consent for the purpose is
a grant, or who have no record for it but were added with consent (`consented_at`, the
account's own record of where they agreed). A withdrawal (STOP, API, unsubscribe link) is
the current record, so an opted-out number is never in a chunk; one that opts out after
its chunk went is refused by dispatch's own consent gate when its message is sent."""

import logging
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_service.campaign_audience import repository
from contacts_service.campaign_audience.models import AudienceJob
from contacts_service.consent import repository as consent_repository
from contacts_service.contacts.models import Contact
from contacts_service.db import Outbox
from shared.db import session_scope
from shared.events import (
    AudienceRecipient,
    CampaignAudienceChunk,
    CampaignAudienceRequested,
    utcnow,
)
from shared.outbox import add_event

log = logging.getLogger(__name__)


async def on_requested(session: AsyncSession, event: CampaignAudienceRequested) -> None:
    """In the consumer's transaction: only the job is stored, the paging is the worker's,
    so no consumer transaction is the size of the audience."""
    await repository.add_job(
        session,
        {
            "campaign_id": event.campaign_id,
            "account_id": event.account_id,
            "group_ids": [str(group_id) for group_id in event.group_ids],
            "purpose": event.purpose,
            "fields": event.fields,
            "after_contact_id": None,
            "next_chunk": 0,
            "recipients": 0,
            "done": False,
            "generation": event.generation,
            "created_at": utcnow(),
        },
    )


async def process_pending(sessionmaker: async_sessionmaker[AsyncSession], chunk_size: int) -> int:
    """Pages every open job to its end; returns the chunks published."""
    async with sessionmaker() as session:
        campaign_ids = await repository.open_job_ids(session)
    chunks = 0
    for campaign_id in campaign_ids:
        while True:
            async for session in session_scope(sessionmaker):
                more = await _next_chunk(session, campaign_id, chunk_size)
            if more is None:
                break
            chunks += 1
            if not more:
                break
    return chunks


async def _next_chunk(session: AsyncSession, campaign_id: UUID, chunk_size: int) -> bool | None:
    """One chunk and the job's progress in one transaction. None: nothing to do (done, or
    another worker holds it); else whether more chunks follow."""
    job = await repository.lock_job(session, campaign_id)
    if job is None:
        return None
    group_ids = [UUID(group_id) for group_id in job.group_ids]
    page = await repository.members_page(
        session, job.account_id, group_ids, job.after_contact_id, chunk_size
    )
    recipients = await _eligible(session, job, page)
    last = len(page) < chunk_size
    add_event(
        session,
        Outbox,
        CampaignAudienceChunk(
            account_id=job.account_id,
            campaign_id=job.campaign_id,
            chunk_no=job.next_chunk,
            recipients=recipients,
            last=last,
            generation=job.generation,
        ),
    )
    job.next_chunk += 1
    job.recipients += len(recipients)
    if page:
        job.after_contact_id = page[-1].id
    if last:
        job.done = True
        job.finished_at = utcnow()
        log.info(
            "campaign %s: audience of %d in %d chunks", campaign_id, job.recipients, job.next_chunk
        )
    return not last


async def _eligible(
    session: AsyncSession, job: AudienceJob, page: Sequence[Contact]
) -> list[AudienceRecipient]:
    latest = await consent_repository.current(
        session, job.account_id, [contact.phone for contact in page]
    )
    consent = {record.phone: record.granted for record in latest if record.purpose == job.purpose}
    values = await repository.values_of(session, job.account_id, [c.id for c in page], job.fields)
    recipients: list[AudienceRecipient] = []
    for contact in page:
        granted = consent.get(contact.phone)
        if granted is False or (granted is None and contact.consented_at is None):
            continue
        known = {**values.get(contact.id, {}), **_standard_fields(contact)}
        fields = {key: known[key] for key in job.fields if key in known}
        recipients.append(AudienceRecipient(phone=contact.phone, fields=fields))
    return recipients


def _standard_fields(contact: Contact) -> dict[str, str]:
    # Those the contact has; a text naming one it lacks gets it empty (dispatch's rule).
    named = {
        "name": contact.name,
        "email": contact.email,
        "country": contact.country,
        "phone": contact.phone,
    }
    return {key: value for key, value in named.items() if value}
