"""All of the templates' SQL; every query names the account, so tenants see only theirs."""

from collections.abc import Collection, Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.templates.models import Template


async def saved(session: AsyncSession, template: Template) -> bool:
    """Write the new or changed template; False if its name is taken in the account."""
    try:
        async with session.begin_nested():
            session.add(template)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def get(
    session: AsyncSession, account_id: UUID, template_id: UUID, for_update: bool = False
) -> Template | None:
    statement = select(Template).where(
        Template.account_id == account_id, Template.id == template_id
    )
    if for_update:
        statement = statement.with_for_update()
    result: Template | None = await session.scalar(statement)
    return result


async def get_many(
    session: AsyncSession, account_id: UUID, template_ids: Collection[UUID]
) -> dict[UUID, Template]:
    rows = await session.scalars(
        select(Template).where(Template.account_id == account_id, Template.id.in_(template_ids))
    )
    return {row.id: row for row in rows}


async def list_for_account(session: AsyncSession, account_id: UUID) -> Sequence[Template]:
    statement = select(Template).where(Template.account_id == account_id).order_by(Template.name)
    return (await session.scalars(statement)).all()


async def remove(session: AsyncSession, template: Template) -> None:
    await session.execute(delete(Template).where(Template.id == template.id))
