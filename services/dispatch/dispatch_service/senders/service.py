"""The customer's side of sender names: request, list, choose the default, withdraw."""

import json
from collections.abc import Sequence
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.db import Outbox
from dispatch_service.senders import repository
from dispatch_service.senders.models import SenderNameRow
from dispatch_service.senders.names import (
    InvalidSenderName,
    ProtectedBrands,
    name_key,
    parse_sender_name,
)
from dispatch_service.senders.problems import (
    InvalidSenderNameProblem,
    SenderAlreadyRequested,
    SenderNameProtected,
    SenderNameTaken,
    SenderNotApproved,
)
from dispatch_service.senders.schemas import SenderRequest
from shared.errors import NotFound
from shared.events import AuditRecorded, utcnow
from shared.outbox import add_event
from shared.roles import API_KEY_ROLE, OPS_ROLE
from shared.security import Principal


async def request_name(
    session: AsyncSession, principal: Principal, body: SenderRequest, brands: ProtectedBrands
) -> SenderNameRow:
    try:
        parsed = parse_sender_name(body.name, body.kind)
    except InvalidSenderName as exc:
        raise InvalidSenderNameProblem(str(exc)) from exc
    brand = brands.match(parsed.name) if parsed.kind == "alphanumeric" else None
    if brand is not None:
        raise SenderNameProtected(brand)
    key = name_key(parsed.name, parsed.kind)
    own = await repository.open_with_key(session, principal.account_id, key)
    if own is not None:
        raise SenderAlreadyRequested(str(own.id), own.state)
    holder = await repository.approved_holder(session, key)
    if holder is not None:
        raise SenderNameTaken()
    now = utcnow()
    row = SenderNameRow(
        id=uuid4(),
        account_id=principal.account_id,
        name=parsed.name,
        name_key=key,
        kind=parsed.kind,
        company=body.company,
        purpose=body.purpose,
        documents=json.dumps(body.documents),
        state="pending",
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, row)
    record(session, principal, row, "sender_name.requested")
    return row


async def list_names(
    session: AsyncSession, account_id: UUID
) -> tuple[Sequence[SenderNameRow], UUID | None]:
    """The account's names, newest first, and the id of its default."""
    rows = await repository.list_for_account(session, account_id)
    return rows, await repository.default_of(session, account_id)


async def set_default(session: AsyncSession, principal: Principal, name: str) -> SenderNameRow:
    rows = await repository.list_for_account(session, principal.account_id)
    approved = [row for row in rows if row.state == repository.APPROVED and row.name == name]
    if not approved:
        raise SenderNotApproved(name)
    await repository.set_default(session, principal.account_id, approved[0].id)
    record(session, principal, approved[0], "sender_name.made_default")
    return approved[0]


async def withdraw(session: AsyncSession, principal: Principal, sender_id: UUID) -> None:
    """A pending name is withdrawn, an approved one revoked; an ended one stays as it is
    (a repeated DELETE changes nothing)."""
    row = await repository.get_for_account(session, principal.account_id, sender_id)
    if row is None:
        # The same answer for another account's name: ids don't leak.
        raise NotFound("Sender name")
    now = utcnow()
    if row.state == "pending":
        moved = await repository.move(
            session, row.id, ("pending",), state="withdrawn", updated_at=now
        )
        action = "sender_name.withdrawn"
    elif row.state == repository.APPROVED:
        moved = await repository.move(
            session,
            row.id,
            (repository.APPROVED,),
            state="revoked",
            reason="Revoked by the account",
            updated_at=now,
        )
        action = "sender_name.revoked"
    else:
        return
    if moved:
        await repository.clear_default(session, row.id)
        record(session, principal, row, action)


def record(session: AsyncSession, actor: Principal, row: SenderNameRow, action: str) -> None:
    """The account's audit record of a change to one of its names, in the change's
    transaction (auth keeps the log)."""
    actor_type: Literal["operator", "api_key", "user"]
    if actor.role == OPS_ROLE:
        actor_type = "operator"
    elif actor.role == API_KEY_ROLE:
        actor_type = "api_key"
    else:
        actor_type = "user"
    add_event(
        session,
        Outbox,
        AuditRecorded(
            account_id=row.account_id,
            actor_type=actor_type,
            actor_id=actor.subject,
            action=action,
            object_type="sender_name",
            object_id=str(row.id),
            details={"name": row.name},
        ),
    )
