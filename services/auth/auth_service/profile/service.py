from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import Account, User
from auth_service.audit import service as audit
from auth_service.audit.service import Actor, Origin
from auth_service.profile.schemas import AccountProfile, AccountUpdate
from shared.errors import Unauthorized
from shared.security import Principal


async def caller(session: AsyncSession, principal: Principal) -> tuple[User, Account]:
    """The user the token names and their account; a token for a user who is gone is no
    identity."""
    try:
        user_id = UUID(principal.subject)
    except ValueError as exc:
        raise Unauthorized("Token claims are malformed") from exc
    user = await session.get(User, user_id)
    if user is None or user.account_id != principal.account_id:
        raise Unauthorized("The token's user no longer exists")
    account = await session.get(Account, user.account_id)
    if account is None:
        raise Unauthorized("The token's account no longer exists")
    return user, account


def profile(user: User, account: Account) -> AccountProfile:
    return AccountProfile(
        id=account.id,
        company_name=account.company_name,
        contact_email=account.contact_email,
        phone=account.phone,
        name=user.name,
        email=user.email,
        role=user.role,
        two_factor_enabled=user.totp_enabled_at is not None,
        state=account.state,
        state_reason=account.state_reason,
        email_verified=account.email_verified,
        trial=account.trial,
        created_at=account.created_at,
    )


async def update(
    session: AsyncSession, principal: Principal, changes: AccountUpdate, origin: Origin
) -> AccountProfile:
    user, account = await caller(session, principal)
    before = _editable(user, account)
    sent = changes.model_fields_set
    if "company_name" in sent and changes.company_name is not None:
        account.company_name = changes.company_name
    if "contact_email" in sent and changes.contact_email is not None:
        account.contact_email = changes.contact_email
    if "phone" in sent:
        account.phone = changes.phone
    if "name" in sent:
        user.name = changes.name
    await session.flush()
    after = _editable(user, account)
    # The names of the fields that changed, never their values (e-mail, phone: personal).
    if changed := sorted(field for field in after if after[field] != before[field]):
        await audit.record(
            session,
            origin,
            account_id=account.id,
            actor=Actor.of(principal),
            action="account.profile_changed",
            object_type="account",
            object_id=account.id,
            details={"fields": changed},
        )
    return profile(user, account)


def _editable(user: User, account: Account) -> dict[str, str | None]:
    return {
        "company_name": account.company_name,
        "contact_email": account.contact_email,
        "phone": account.phone,
        "name": user.name,
    }
