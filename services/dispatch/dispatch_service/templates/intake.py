"""The text a send asks for: its template rendered, then its encoding policy applied.

Runs before every other gate of intake, so that the content policy, the sender and
segment rules and the price all see the text that will actually go out."""

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.batches.schemas import BatchEntry, RejectedEntry, SendBatchRequest
from dispatch_service.messages.schemas import SendMessageRequest
from dispatch_service.sms.transliterate import EncodingPolicy, Replacement, apply_policy
from dispatch_service.templates import repository
from dispatch_service.templates.models import Template
from dispatch_service.templates.render import render
from shared.errors import ProblemError


class UnknownTemplate(ProblemError):
    def __init__(self, template_id: UUID) -> None:
        # The same answer for another account's template: ids don't leak.
        super().__init__(
            422,
            "unknown_template",
            "Unknown template",
            f"the account has no template {template_id}",
            template_id=str(template_id),
        )


class BlankRendering(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "template_rendered_blank",
            "Template rendered blank",
            "with these variables the template's text is blank",
        )


async def compose_message(
    session: AsyncSession, account_id: UUID, request: SendMessageRequest
) -> tuple[SendMessageRequest, list[Replacement]]:
    """`request` with the text to send in `text`, and what the encoding policy replaced."""
    templates: dict[UUID, Template] = {}
    if request.template_id is not None:
        templates = await repository.get_many(session, account_id, [request.template_id])
    text, replaced = _compose(
        request.text, request.template_id, request.variables, templates, request.encoding_policy
    )
    update = {"text": text, "template_id": None, "variables": None}
    return request.model_copy(update=update), replaced


@dataclass
class ComposedBatch:
    request: SendBatchRequest  # in the `messages` form, each entry with its text
    refused: dict[int, RejectedEntry] = field(default_factory=dict)
    replaced: dict[int, list[Replacement]] = field(default_factory=dict)

    def texts(self) -> list[str]:
        # A refused entry's place is kept (indexes are positions), with nothing to screen.
        return [entry.text or "" for entry in self.request.entries()]


async def compose_batch(
    session: AsyncSession, account_id: UUID, request: SendBatchRequest
) -> ComposedBatch:
    """Each entry composed like a single message; one that cannot be is refused on its own,
    as the batch answers any other bad entry."""
    entries = request.entries()
    wanted = {entry.template_id for entry in entries if entry.template_id is not None}
    templates = await repository.get_many(session, account_id, wanted) if wanted else {}
    composed = ComposedBatch(request)
    rendered: list[BatchEntry] = []
    for index, entry in enumerate(entries):
        if (entry.text is None) == (entry.template_id is None):
            rendered.append(entry)  # refused as invalid by the batch's own checks
            continue
        try:
            text, replaced = _compose(
                entry.text, entry.template_id, entry.variables, templates, request.encoding_policy
            )
        except ProblemError as exc:
            composed.refused[index] = RejectedEntry(
                index=index, code=exc.code, detail=exc.detail or ""
            )
            rendered.append(entry)
            continue
        composed.replaced[index] = replaced
        rendered.append(
            entry.model_copy(update={"text": text, "template_id": None, "variables": None})
        )
    composed.request = request.model_copy(
        update={"to": None, "text": None, "template_id": None, "messages": rendered}
    )
    return composed


def _compose(
    text: str | None,
    template_id: UUID | None,
    variables: dict[str, str] | None,
    templates: dict[UUID, Template],
    policy: EncodingPolicy,
) -> tuple[str, list[Replacement]]:
    if template_id is not None:
        template = templates.get(template_id)
        if template is None:
            raise UnknownTemplate(template_id)
        text = render(template.text, variables or {})
        if not text.strip():
            raise BlankRendering()
    assert text is not None, "the request's validator wants text or template_id"
    return apply_policy(text, policy)
