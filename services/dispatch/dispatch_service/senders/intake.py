"""The sender check at intake, which each dispatch process keeps.

Looking the sender up on every send would add a round trip to every request, so a process
loads every account's approved names and default (one query) at most every
`senders_refresh_seconds`. A sender missing from that map is looked up before it is
refused, so a name approved a moment ago works at once; a revocation or a new default takes
effect within the interval (at once in the process that stored it, which forgets its map).
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches.schemas import RejectedEntry
from dispatch_service.config import DispatchSettings
from dispatch_service.messages.phone import InvalidSender, parse_sender
from dispatch_service.messages.service import CheckedMessage, InvalidSenderProblem
from dispatch_service.reloading import Reloading
from dispatch_service.senders import repository
from dispatch_service.senders.names import ProtectedBrands
from dispatch_service.senders.problems import SenderNotApproved

# Each account's approved names and its default among them (None: the platform's).
Approved = dict[UUID, tuple[frozenset[str], str | None]]
# A batch entry as batches.service checked it: its index, its text, the checked message.
Checked = tuple[int, str, CheckedMessage]


class SenderGate:
    def __init__(self, settings: DispatchSettings) -> None:
        self.settings = settings
        self.approved: Reloading[Approved] = Reloading(repository.approved_by_account, {})
        self.brands = ProtectedBrands.load(settings.protected_brands_file)

    async def sender_for(self, session: AsyncSession, account_id: UUID, sender: str | None) -> str:
        """The sender a message goes out with: the one asked for if the account may use
        it (else SenderNotApproved), without one the account's default or the platform's."""
        if sender is None:
            if not self.settings.sender_approval_required:
                return self.settings.default_sender
            await self.refresh(session)
            default = self.approved.value.get(account_id, (frozenset(), None))[1]
            return default or self.settings.default_sender
        if not await self.allows(session, account_id, sender):
            raise SenderNotApproved(sender)
        return sender

    async def allows(self, session: AsyncSession, account_id: UUID, sender: str) -> bool:
        """Whether the account may send as `sender` (the platform's own always). A sender
        of the wrong form is InvalidSenderProblem, as a message without this check says."""
        try:
            sender = parse_sender(sender)
        except InvalidSender as exc:
            raise InvalidSenderProblem(str(exc)) from exc
        if not self.settings.sender_approval_required or sender == self.settings.default_sender:
            return True
        await self.refresh(session)
        if sender in self.approved.value.get(account_id, (frozenset(), None))[0]:
            return True
        return await repository.is_approved(session, account_id, sender)

    async def screen(
        self, session: AsyncSession, account_id: UUID, checked: list[Checked]
    ) -> tuple[list[Checked], list[RejectedEntry]]:
        """A batch's checked entries split into those whose sender the account may use and
        the refused ones; each distinct sender is decided once."""
        decided: dict[str, bool] = {}
        allowed: list[Checked] = []
        refused: list[RejectedEntry] = []
        for entry in checked:
            sender = entry[2].sender
            if sender not in decided:
                decided[sender] = await self.allows(session, account_id, sender)
            if decided[sender]:
                allowed.append(entry)
            else:
                problem = SenderNotApproved(sender)
                refused.append(
                    RejectedEntry(index=entry[0], code=problem.code, detail=problem.detail or "")
                )
        return allowed, refused

    async def refresh(self, session: AsyncSession) -> None:
        await self.approved.refresh(session, self.settings.senders_refresh_seconds)

    def forget(self) -> None:
        """Load again on the next send: this process just changed what is approved."""
        self.approved.loaded_at = None


async def _sender_gate(request: Request) -> SenderGate:
    # One per app (so per process), made on first use.
    state = request.app.state
    gate: SenderGate | None = getattr(state, "sender_gate", None)
    if gate is None:
        settings = state.runtime.settings
        assert isinstance(settings, DispatchSettings)
        gate = state.sender_gate = SenderGate(settings)
    return gate


SenderGateDep = Annotated[SenderGate, Depends(_sender_gate)]
