"""A number's token is the account's to hand out; following it is the recipient's act,
recorded as a withdrawal of marketing with source `link` and published like any other."""

import secrets
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_service.consent import repository as consents
from contacts_service.consent import service as consent
from contacts_service.contacts.repository import ContactRepository
from contacts_service.unsubscribe import repository
from shared.errors import NotFound, ProblemError

EVIDENCE = "unsubscribe link"


class InvalidUnsubscribeToken(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "invalid_unsubscribe_token",
            "Invalid unsubscribe token",
            "This unsubscribe link is not one the platform gave out",
        )


async def token_for(session: AsyncSession, account_id: UUID, contact_id: UUID) -> str:
    contact = await ContactRepository(session, account_id).get(contact_id)
    if contact is None:
        raise NotFound("Contact")
    # 96 random bits in 16 characters: not guessable, and short enough for an SMS.
    return await repository.token_of(session, account_id, contact.phone, secrets.token_urlsafe(12))


async def unsubscribe(session: AsyncSession, token: str) -> None:
    """Withdraw the token's number from its account's marketing; following the link again
    records nothing more."""
    found = await repository.get(session, token)
    if found is None:
        raise InvalidUnsubscribeToken()
    account_id, phone = found.account_id, found.phone
    if await consent.withdrawn(session, account_id, phone, "marketing"):
        return
    holders = await consents.contact_ids(session, {(account_id, phone)})
    consent.add_record(
        session,
        account_id=account_id,
        phone=phone,
        contact_id=holders.get((account_id, phone)),
        purpose="marketing",
        granted=False,
        source="link",
        evidence=EVIDENCE,
        published_evidence=EVIDENCE,
    )
