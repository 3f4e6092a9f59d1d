"""Erasure (R17, issue 11 item 5): contacts records the request and publishes
`privacy.erasure_requested` in the same transaction; every service holding recipients' data
(contacts itself included, through the same topic) erases the number and answers
`privacy.erasure_completed`; the request is complete when all of them have."""

from collections.abc import Mapping, Sequence
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent.handlers import on_consents_changed
from contacts_service.consent.models import ConsentRecord
from contacts_service.contacts.models import Contact
from contacts_service.contacts.phones import to_e164
from contacts_service.db import ErasedNumber, Outbox
from contacts_service.imports.erasure import erase_from_imports
from contacts_service.privacy.models import PrivacyErasure, PrivacyErasurePart, PrivacyExport
from contacts_service.privacy.schemas import ErasurePartResponse, ErasureResponse
from contacts_service.privacy.service import remove_files
from contacts_service.unsubscribe.models import UnsubscribeToken
from shared.erasure import digest, not_erased, scrub_outbox
from shared.errors import NotFound
from shared.events import (
    ErasingService,
    PrivacyErasureCompleted,
    PrivacyErasureRequested,
    RecipientConsentChanged,
    utcnow,
)
from shared.inbox import Batched, Handler
from shared.outbox import add_event
from shared.security import Principal

# Who holds recipients' data (billing's ledger names none): each must report.
SERVICES: tuple[ErasingService, ...] = ("contacts", "dispatch", "dlr")
# What the vacuum after contacts' own part covers.
TABLES = (
    "contacts",
    "contact_tags",
    "contact_values",
    "contact_group_members",
    "consent_records",
    "unsubscribe_tokens",
    "privacy_exports",
    "outbox",
)


async def request(session: AsyncSession, principal: Principal, phone: str) -> PrivacyErasure:
    """A number nobody holds is erased all the same: the report says zero rows."""
    number = to_e164(phone)
    erasure = PrivacyErasure(account_id=principal.account_id, requested_by=principal.subject)
    session.add(erasure)
    await session.flush()
    event = PrivacyErasureRequested(
        account_id=principal.account_id, erasure_id=erasure.id, phone=number
    )
    add_event(session, Outbox, event)
    return erasure


async def report(session: AsyncSession, account_id: UUID, erasure_id: UUID) -> ErasureResponse:
    erasure = await session.scalar(
        select(PrivacyErasure).where(
            PrivacyErasure.account_id == account_id, PrivacyErasure.id == erasure_id
        )
    )
    if erasure is None:
        raise NotFound("Erasure")
    [response] = await reports(session, [erasure])
    return response


async def reports(
    session: AsyncSession, erasures: Sequence[PrivacyErasure]
) -> list[ErasureResponse]:
    """The erasures' progress per service, their parts read in one query."""
    parts: dict[UUID, dict[str, PrivacyErasurePart]] = {erasure.id: {} for erasure in erasures}
    if erasures:
        for part in await session.scalars(
            select(PrivacyErasurePart).where(PrivacyErasurePart.erasure_id.in_(list(parts)))
        ):
            parts[part.erasure_id][part.service] = part
    return [_report(erasure, parts[erasure.id]) for erasure in erasures]


def _report(erasure: PrivacyErasure, parts: Mapping[str, PrivacyErasurePart]) -> ErasureResponse:
    return ErasureResponse(
        id=erasure.id,
        state="completed" if erasure.state == "completed" else "pending",
        created_at=erasure.created_at,
        completed_at=erasure.completed_at,
        services=[
            ErasurePartResponse(
                service=service,
                completed=service in parts,
                rows=parts[service].rows if service in parts else None,
                completed_at=parts[service].completed_at if service in parts else None,
            )
            for service in SERVICES
        ],
    )


async def _erase_here(
    session: AsyncSession, event: PrivacyErasureRequested, export_dir: str, import_dir: str
) -> None:
    account_id, phone = event.account_id, event.phone
    # Tags, custom values and group memberships go with the contact (ON DELETE CASCADE).
    contacts = await session.execute(
        delete(Contact).where(Contact.account_id == account_id, Contact.phone == phone)
    )
    # Opt-outs go too: kept, they would keep the number (the account is told so in
    # docs/privacy-rights.md).
    consents = await session.execute(
        delete(ConsentRecord).where(
            ConsentRecord.account_id == account_id, ConsentRecord.phone == phone
        )
    )
    tokens = await session.execute(
        delete(UnsubscribeToken).where(
            UnsubscribeToken.account_id == account_id, UnsubscribeToken.phone == phone
        )
    )
    # The account's archives may hold the number: every ready one is withdrawn.
    exports = list(
        await session.scalars(
            select(PrivacyExport).where(
                PrivacyExport.account_id == account_id,
                PrivacyExport.state.in_(("pending", "running", "ready")),
            )
        )
    )
    for export in exports:
        remove_files(export_dir, export.id)
    await session.execute(
        update(PrivacyExport)
        .where(PrivacyExport.id.in_([export.id for export in exports]))
        .values(state="expired")
    )
    await session.execute(
        update(PrivacyExport)
        .where(PrivacyExport.account_id == account_id, PrivacyExport.phone == phone)
        .values(phone=None)
    )
    rows = (
        contacts.rowcount  # type: ignore[attr-defined]
        + consents.rowcount  # type: ignore[attr-defined]
        + tokens.rowcount  # type: ignore[attr-defined]
        + len(exports)
        + await erase_from_imports(session, import_dir, account_id, phone)
        + await scrub_outbox(session, Outbox, phone)
    )
    session.add(
        ErasedNumber(
            erasure_id=event.erasure_id,
            account_id=account_id,
            number_digest=digest(account_id, phone),
            rows=rows,
            erased_at=utcnow(),
        )
    )


async def _record_completion(session: AsyncSession, event: PrivacyErasureCompleted) -> None:
    erasure = await session.get(PrivacyErasure, event.erasure_id)
    known = await session.get(PrivacyErasurePart, (event.erasure_id, event.service))
    if erasure is None or known is not None:
        return  # not ours, or reported already
    session.add(
        PrivacyErasurePart(
            erasure_id=event.erasure_id,
            service=event.service,
            rows=event.rows,
            completed_at=event.occurred_at,
        )
    )
    await session.flush()
    done = set(
        await session.scalars(
            select(PrivacyErasurePart.service).where(
                PrivacyErasurePart.erasure_id == event.erasure_id
            )
        )
    )
    if done >= set(SERVICES) and erasure.state != "completed":
        erasure.state, erasure.completed_at = "completed", utcnow()


async def _unerased_consents_changed(
    session: AsyncSession, events: Sequence[RecipientConsentChanged]
) -> None:
    # A STOP from before its number was erased would store the number again.
    await on_consents_changed(
        session, await not_erased(session, ErasedNumber, events, lambda event: event.phone)
    )


def handlers(export_dir: str, import_dir: str) -> Mapping[str, Handler]:
    async def on_requested(session: AsyncSession, event: PrivacyErasureRequested) -> None:
        await _erase_here(session, event, export_dir, import_dir)

    return {
        "recipient.consent_changed": Batched(_unerased_consents_changed),
        "privacy.erasure_requested": on_requested,
        "privacy.erasure_completed": _record_completion,
    }
