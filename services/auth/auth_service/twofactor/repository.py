from uuid import UUID

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth_service.accounts.models import User


async def claim_step(session: AsyncSession, user_id: UUID, step: int) -> bool:
    """Records `step` as the user's last used TOTP step unless it (or a later one) was
    used already: True when this call did. Two logins with one code: one gets True."""
    result = await session.execute(
        update(User)
        .where(
            User.id == user_id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
