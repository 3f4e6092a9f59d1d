from collections.abc import Sequence
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.templates import repository
from dispatch_service.templates.models import Template
from dispatch_service.templates.render import placeholders
from dispatch_service.templates.schemas import TemplateCreate, TemplateUpdate
from shared.errors import NotFound, ProblemError
from shared.events import utcnow


class TemplateNameTaken(ProblemError):
    def __init__(self, name: str) -> None:
        super().__init__(
            409,
            "template_name_taken",
            "Template name taken",
            f"the account already has a template named {name!r}",
        )


async def create(session: AsyncSession, account_id: UUID, body: TemplateCreate) -> Template:
    placeholders(body.text)  # a misspelt placeholder is refused before anything is written
    now = utcnow()
    template = Template(
        id=uuid4(),
        account_id=account_id,
        name=body.name,
        text=body.text,
        created_at=now,
        updated_at=now,
    )
    if not await repository.saved(session, template):
        raise TemplateNameTaken(body.name)
    return template


async def get(session: AsyncSession, account_id: UUID, template_id: UUID) -> Template:
    template = await repository.get(session, account_id, template_id)
    if template is None:
        # The same answer for "doesn't exist" and "another account's": ids don't leak.
        raise NotFound("Template")
    return template


async def list_all(session: AsyncSession, account_id: UUID) -> Sequence[Template]:
    return await repository.list_for_account(session, account_id)


async def update(
    session: AsyncSession, account_id: UUID, template_id: UUID, body: TemplateUpdate
) -> Template:
    template = await repository.get(session, account_id, template_id, for_update=True)
    if template is None:
        raise NotFound("Template")
    if body.text is not None:
        placeholders(body.text)
        template.text = body.text
    if body.name is not None:
        template.name = body.name
    template.updated_at = utcnow()
    if not await repository.saved(session, template):
        raise TemplateNameTaken(template.name)
    return template


async def delete(session: AsyncSession, account_id: UUID, template_id: UUID) -> None:
    # Messages already sent keep their rendered text: nothing refers back to the template.
    template = await repository.get(session, account_id, template_id, for_update=True)
    if template is None:
        raise NotFound("Template")
    await repository.remove(session, template)
