"""Checked at intake for marketing messages only, after the replay check (a retry of a
message accepted before the opt-out is still answered with it)."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.consent import repository
from shared.errors import ProblemError, problem_response_doc
from shared.events import ConsentPurpose, RecipientConsentChanged

Purpose = ConsentPurpose
PURPOSE_DESCRIPTION = (
    "`marketing` messages are refused to numbers that opted out of the account's marketing "
    "(the recipient replied STOP, or the account recorded it); `transactional` ones (codes, "
    "notifications the recipient asked for) are not"
)
OPTED_OUT = "recipient_opted_out"


def purpose_field(default: Purpose) -> Any:
    return Field(default=default, description=PURPOSE_DESCRIPTION)


class RecipientOptedOut(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            OPTED_OUT,
            "Recipient opted out",
            "The recipient opted out of this account's marketing messages (e.g. replied "
            "STOP); send it as `transactional` only if the recipient asked for it. Nothing "
            "was accepted",
        )


RECIPIENT_OPTED_OUT_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_response_doc(422),
        "description": f"`{OPTED_OUT}`: a marketing message to a number that opted out",
    },
}


async def check(session: AsyncSession, account_id: UUID, phone: str, purpose: Purpose) -> None:
    if purpose == "marketing" and await repository.opted_out(session, account_id, [phone], purpose):
        raise RecipientOptedOut()


async def opted_out(
    session: AsyncSession, account_id: UUID, phones: Sequence[str], purpose: Purpose
) -> set[str]:
    if purpose != "marketing":
        return set()
    return await repository.opted_out(session, account_id, set(phones), purpose)


async def on_consents_changed(
    session: AsyncSession, events: Sequence[RecipientConsentChanged]
) -> None:
    """The inbox handler: in the consumer's transaction; a replayed or older event changes
    nothing."""
    await repository.apply(session, events)
