from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from dispatch_service.content import reviews, rules
from dispatch_service.content.schemas import (
    ContentHitList,
    ContentHitResponse,
    ContentReviewList,
    ContentReviewResponse,
    ContentRuleChange,
    ContentRuleList,
    ContentRuleResponse,
    NewContentRule,
)
from dispatch_service.content.service import ContentGateDep
from shared.app import SessionDep
from shared.errors import AUTHENTICATED, problem_responses
from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, OperatorDep

router = APIRouter(
    prefix="/v1/ops",
    tags=["ops"],
    responses={**problem_responses(*AUTHENTICATED), **NOT_AN_OPERATOR_RESPONSE},
)

_PATTERN_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        **problem_responses(422)[422],
        "description": "Invalid input (`validation_error`), or a pattern that does not "
        "compile or could backtrack for long (`invalid_pattern`); nothing was changed",
    }
}
_NO_SUCH_RULE = problem_responses(404)


@router.get("/content-rules", summary="The content policy's rules")
async def list_rules(_: OperatorDep, session: SessionDep) -> ContentRuleList:
    items = await rules.list_rules(session)
    return ContentRuleList(items=[ContentRuleResponse.model_validate(rule) for rule in items])


@router.post(
    "/content-rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add a content rule",
    description="`keyword` rules match whole words, `regex` rules anywhere; both against "
    "the normalised text (NFKC, case-folded, invisible characters removed, whitespace "
    "collapsed). Applies to the next message.",
    responses=_PATTERN_REFUSED,
)
async def add_rule(
    body: NewContentRule, _: OperatorDep, session: SessionDep, gate: ContentGateDep
) -> ContentRuleResponse:
    return ContentRuleResponse.model_validate(await rules.add_rule(session, gate, body))


@router.patch(
    "/content-rules/{rule_id}",
    summary="Change a content rule, e.g. disable it",
    responses={**_NO_SUCH_RULE, **_PATTERN_REFUSED},
)
async def change_rule(
    rule_id: UUID,
    body: ContentRuleChange,
    _: OperatorDep,
    session: SessionDep,
    gate: ContentGateDep,
) -> ContentRuleResponse:
    rule = await rules.change_rule(session, gate, rule_id, body)
    return ContentRuleResponse.model_validate(rule)


@router.delete(
    "/content-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a content rule",
    description="Its hits stay on record.",
    responses=_NO_SUCH_RULE,
)
async def delete_rule(
    rule_id: UUID, _: OperatorDep, session: SessionDep, gate: ContentGateDep
) -> Response:
    await rules.delete_rule(session, gate, rule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/content-hits",
    summary="Texts the content policy hit, newest first",
    description="The account, category, rule and time of each; never the text.",
)
async def list_hits(
    _: OperatorDep,
    session: SessionDep,
    account_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContentHitList:
    hits = await rules.list_hits(session, account_id, limit)
    return ContentHitList(items=[ContentHitResponse.model_validate(hit) for hit in hits])


@router.post(
    "/content-hits/{account_id}/clear",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Let an account the content policy suspended send again",
    description="After review. The account's state in auth (suspended by the "
    "`content_policy.tripped` event) is reinstated there. Another trip the same UTC day "
    "does not suspend it again.",
    responses={
        404: {
            **problem_responses(404)[404],
            "description": "The account is not suspended by the content policy (`not_found`)",
        }
    },
)
async def clear(
    account_id: UUID, _: OperatorDep, session: SessionDep, gate: ContentGateDep
) -> Response:
    await rules.clear(session, gate, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/content-reviews",
    summary="Messages held for review, oldest first",
    description="Held because they link through a URL shortener; each with the domains "
    "found, never the text.",
)
async def list_reviews(
    _: OperatorDep,
    session: SessionDep,
    account_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContentReviewList:
    held = await reviews.pending(session, account_id, limit)
    return ContentReviewList(
        items=[
            ContentReviewResponse(
                message_id=review.message_id,
                account_id=review.account_id,
                domains=review.domains.split(),
                created_at=review.created_at,
            )
            for review in held
        ]
    )


_DECISION_REFUSED: dict[int | str, dict[str, Any]] = {
    404: {**problem_responses(404)[404], "description": "No such review (`not_found`)"},
    409: {
        **problem_responses(409)[409],
        "description": "Already approved or rejected (`review_decided`; `decision` says which)",
    },
}


@router.post(
    "/content-reviews/{message_id}/approve",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Release a held message: it is charged and sent like any other",
    responses=_DECISION_REFUSED,
)
async def approve(message_id: UUID, _: OperatorDep, session: SessionDep) -> Response:
    await reviews.decide(session, message_id, approve=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/content-reviews/{message_id}/reject",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Refuse a held message: it ends `rejected` (`content_rejected`), unsent",
    responses=_DECISION_REFUSED,
)
async def reject(message_id: UUID, _: OperatorDep, session: SessionDep) -> Response:
    await reviews.decide(session, message_id, approve=False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
