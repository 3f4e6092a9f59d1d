"""The refusals of sender names, with the `responses` entries their operations document."""

from typing import Any

from shared.errors import ProblemError, problem_response_doc


class InvalidSenderNameProblem(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_sender_name", "Invalid sender name", detail)


class SenderNameProtected(ProblemError):
    def __init__(self, brand: str) -> None:
        super().__init__(
            422,
            "sender_name_protected",
            "Sender name protected",
            f"the name reads as the protected brand {brand!r}; only its owner may use it, "
            "by arrangement with the platform",
        )


class SenderNameTaken(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            409,
            "sender_name_taken",
            "Sender name taken",
            "this name is approved for another company: one name, one company",
        )


class SenderAlreadyRequested(ProblemError):
    def __init__(self, sender_id: str, state: str) -> None:
        super().__init__(
            409,
            "sender_already_requested",
            "Sender name already requested",
            f"the account already has this name ({state})",
            sender_id=sender_id,
            state=state,
        )


class SenderNotApproved(ProblemError):
    def __init__(self, name: str) -> None:
        super().__init__(
            422,
            "sender_not_approved",
            "Sender not approved",
            f"the sender {name!r} is not approved for this account; request it with "
            "POST /v1/senders or send without `sender`",
        )


class InvalidSenderTransition(ProblemError):
    def __init__(self, state: str, action: str) -> None:
        super().__init__(
            409,
            "invalid_state_transition",
            "Invalid state transition",
            f"a sender name that is {state} cannot be {action}",
            state=state,
        )


def _doc(status: int, description: str) -> dict[str, Any]:
    return {**problem_response_doc(status), "description": description}


REQUEST_REFUSED: dict[int | str, dict[str, Any]] = {
    409: _doc(
        409,
        "`sender_name_taken` (approved for another company) or `sender_already_requested` "
        "(this account has it pending or approved)",
    ),
    422: _doc(
        422,
        "`invalid_sender_name` (characters, length or kind), `sender_name_protected` (reads "
        "as a protected brand) or `validation_error`",
    ),
}
NOT_APPROVED: dict[int | str, dict[str, Any]] = {
    422: _doc(422, "`sender_not_approved` or `validation_error`"),
}
# For the `responses` of every operation that takes in messages.
SENDER_NOT_APPROVED_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: _doc(
        422,
        "`sender_not_approved` (the `sender` is not approved for the account; nothing was "
        "accepted), or the request's own problems (`invalid_sender`, `invalid_phone_number`, "
        "`batch_rejected` when no entry of a batch is valid, `validation_error`, ...)",
    ),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _doc(404, "No such sender name for this account (`not_found`)"),
}
DECISION_REFUSED: dict[int | str, dict[str, Any]] = {
    404: _doc(404, "No such sender name (`not_found`)"),
    409: _doc(
        409,
        "`invalid_state_transition` (`state` is the current one) or, on approval, "
        "`sender_name_taken` (approved for another company meanwhile)",
    ),
}
