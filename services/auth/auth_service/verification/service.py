"""Proving the registering e-mail, and lifting an account's trial.

Under sign-up policy `verified` an account is opened unverified and on trial; billing
grants the starter credit on `account.email_verified`, which only following the mailed
link publishes. Each change writes its event and audit record in the caller's transaction.
"""

import secrets
from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.accounts.repository import AccountRepository
from auth_service.audit import service as audit
from auth_service.audit.service import SYSTEM, Actor, Origin
from auth_service.config import AuthSettings
from auth_service.db import Outbox
from auth_service.mail.service import queue
from auth_service.ops.repository import OpsRepository
from auth_service.sessions.tokens import hash_token
from auth_service.states.repository import account_for_update
from auth_service.verification import mails
from auth_service.verification.models import EmailVerificationToken
from auth_service.verification.repository import VerificationTokens
from shared.errors import NotFound, ProblemError
from shared.events import AccountEmailVerified, AccountTrialEnded, PaymentReceived, utcnow
from shared.outbox import add_event
from shared.security import Principal

# A resend within this long of the last mail sends nothing (the answer is the same), so
# that the endpoint can't be used to flood someone's inbox.
RESEND_INTERVAL = timedelta(minutes=1)


class VerificationTokenInvalid(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "verification_token_invalid",
            "Invalid verification token",
            "The link is unknown, was used already or has expired; ask for a new one",
        )


class NotOnTrial(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409, "not_on_trial", "Not on trial", "The account's trial has ended already"
        )


async def send_link(
    session: AsyncSession, settings: AuthSettings, account_id: UUID, user: User
) -> None:
    """A new one-time link to `user`, queued in the caller's transaction."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await VerificationTokens(session).add(
        EmailVerificationToken(
            id=uuid4(),
            token_hash=hash_token(token),
            account_id=account_id,
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.email_verification_ttl_seconds),
        )
    )
    queue(session, mails.verification(settings, user.email, token))


def tell_owner(session: AsyncSession, user: User) -> None:
    """Someone registered `user`'s address again: they hear of it by mail, the registrant
    gets the usual answer."""
    queue(session, mails.already_registered(user.email))


async def verify(session: AsyncSession, origin: Origin, token: str) -> None:
    tokens = VerificationTokens(session)
    taken = await tokens.take(hash_token(token), utcnow())
    if taken is None:
        raise VerificationTokenInvalid()
    account_id, user_id = taken
    account = await account_for_update(session, account_id)
    if account is None:
        raise VerificationTokenInvalid()
    # Every other link of the account dies with this one: the address is proven.
    await tokens.delete_of(account_id)
    if account.email_verified_at is not None:
        return
    account.email_verified_at = utcnow()
    add_event(session, Outbox, AccountEmailVerified(account_id=account_id))
    await audit.record(
        session,
        origin,
        account_id=account_id,
        actor=Actor.user(user_id),
        action="account.email_verified",
        object_type="account",
        object_id=account_id,
    )


async def resend(session: AsyncSession, settings: AuthSettings, email: str) -> None:
    """A new link for an unverified account's user, replacing the old ones; nothing for an
    unknown address, a verified account, or within a minute of the last link. The caller
    answers the same in every case."""
    user = await AccountRepository(session).user_by_email(email.lower())
    if user is None:
        return
    # Locked: two resends at once send one mail.
    account = await account_for_update(session, user.account_id)
    if account is None or account.email_verified_at is not None:
        return
    tokens = VerificationTokens(session)
    last = await tokens.last_sent_at(account.id)
    if last is not None and utcnow() - last < RESEND_INTERVAL:
        return
    await tokens.delete_of(account.id)
    await send_link(session, settings, account.id, user)


async def end_trial(
    session: AsyncSession, origin: Origin, operator: Principal, account_id: UUID
) -> Account:
    account = await OpsRepository(session).customer_for_update(account_id)
    if account is None:
        raise NotFound("Account")
    if not account.trial:
        raise NotOnTrial()
    account.trial = False
    add_event(session, Outbox, AccountTrialEnded(account_id=account.id, lifted_by="operator"))
    await audit.record(
        session,
        origin,
        account_id=account.id,
        actor=Actor.operator(operator.subject),
        action="account.trial_ended",
        object_type="account",
        object_id=account.id,
    )
    return account


async def end_trial_on_payment(session: AsyncSession, events: Sequence[PaymentReceived]) -> None:
    """billing credited money the customer paid: a first payment lifts the trial (R1). In
    the inbox consumer's transaction; an account no longer on trial (a later payment, an
    operator was first, a replay) changes nothing."""
    for event in events:
        account = await account_for_update(session, event.account_id)
        if account is None or not account.trial:
            continue
        account.trial = False
        add_event(session, Outbox, AccountTrialEnded(account_id=account.id, lifted_by="payment"))
        await audit.record(
            session,
            Origin(ip=None, user_agent=None),
            account_id=account.id,
            actor=SYSTEM,
            action="account.trial_ended",
            object_type="account",
            object_id=account.id,
            details={"lifted_by": "payment"},
        )
