"""The campaigns' refusals, each with its stable code."""

from typing import Any

from shared.errors import ProblemError, problem_response_doc


class CampaignStateConflict(ProblemError):
    def __init__(self, action: str, state: str) -> None:
        super().__init__(
            409,
            "campaign_state_conflict",
            "Not possible in this state",
            f"a {state} campaign cannot be {action}; nothing changed",
            state=state,
        )


class AudiencePending(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "audience_pending",
            "Audience not ready",
            "contacts is still listing the groups' consented members; start once "
            "`audience_complete` is true",
        )


class CampaignEmpty(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "campaign_empty",
            "No recipients",
            "no member of the campaign's groups has consent for its purpose (or the groups "
            "are empty or not the account's); nothing was sent or charged",
        )


class ContentReviewRequired(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "content_review_required",
            "Content needs review",
            "the text holds something the content policy sends to an operator's review (e.g. "
            "a URL shortener); a campaign cannot wait message by message: change the text",
        )


def _doc(status: int, description: str) -> dict[str, Any]:
    return {**problem_response_doc(status), "description": description}


NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    404: _doc(404, "`not_found`: no such campaign in the account")
}
STATE_CONFLICT_RESPONSE: dict[int | str, dict[str, Any]] = {
    409: _doc(409, "`campaign_state_conflict`: not possible in the campaign's `state`")
}
START_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: _doc(
        409,
        "`campaign_state_conflict`: the campaign is not a draft; or `audience_pending`: "
        "its audience is still being listed",
    ),
    422: _doc(
        422,
        "`campaign_empty`: no recipient; `content_blocked` or `content_review_required`: the "
        "content policy refuses the text",
    ),
}
