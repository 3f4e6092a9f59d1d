"""The forward-only message and part state machines, and how parts add up to a message."""

from datetime import UTC, datetime
from functools import reduce
from itertools import permutations
from uuid import uuid4

import pytest

from dispatch_service.messages.models import Message, MessagePart
from dispatch_service.messages.status import (
    MESSAGE_FINAL,
    MESSAGE_STATUSES,
    PART_FINAL,
    PART_STATUSES,
    MessageStatus,
    PartStatus,
    advance_message,
    advance_part,
    aggregate,
)

PART_OUTCOMES: tuple[PartStatus, ...] = tuple(sorted(PART_FINAL))


def apply_parts(start: PartStatus, *proposed: PartStatus) -> PartStatus:
    return reduce(advance_part, proposed, start)


def apply_messages(start: MessageStatus, *proposed: MessageStatus) -> MessageStatus:
    return reduce(advance_message, proposed, start)


# --- message transitions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "proposed"),
    [
        ("accepted", "queued"),
        ("accepted", "rejected"),
        ("queued", "sent"),
        ("queued", "failed"),
        ("sent", "delivered"),
        ("sent", "undelivered"),
        ("sent", "failed"),
        # a receipt may be applied before the "sent" bookkeeping
        ("queued", "delivered"),
        ("queued", "undelivered"),
    ],
)
def test_message_moves_forward(current: MessageStatus, proposed: MessageStatus) -> None:
    assert advance_message(current, proposed) == proposed


@pytest.mark.parametrize(
    ("current", "proposed"),
    [
        ("queued", "accepted"),
        ("sent", "queued"),
        ("sent", "accepted"),
        ("delivered", "sent"),
        ("undelivered", "queued"),
    ],
)
def test_message_never_moves_backwards(current: MessageStatus, proposed: MessageStatus) -> None:
    assert advance_message(current, proposed) == current


@pytest.mark.parametrize("final", sorted(MESSAGE_FINAL))
@pytest.mark.parametrize("proposed", MESSAGE_STATUSES)
def test_message_never_leaves_a_final_state(final: MessageStatus, proposed: MessageStatus) -> None:
    assert advance_message(final, proposed) == final


@pytest.mark.parametrize("status", MESSAGE_STATUSES)
def test_repeating_a_message_status_is_a_no_op(status: MessageStatus) -> None:
    assert advance_message(status, status) == status


@pytest.mark.parametrize("proposed", ["sent", "delivered", "undelivered", "failed"])
def test_nothing_is_sent_before_billing_authorised_it(proposed: MessageStatus) -> None:
    assert advance_message("accepted", proposed) == "accepted"


@pytest.mark.parametrize("current", ["queued", "sent"])
def test_an_authorised_message_is_never_rejected(current: MessageStatus) -> None:
    assert advance_message(current, "rejected") == current


def test_late_sent_does_not_overwrite_delivered() -> None:
    assert apply_messages("queued", "delivered", "sent") == "delivered"


def test_declined_after_authorised_changes_nothing() -> None:
    assert apply_messages("accepted", "queued", "rejected") == "queued"


# --- part transitions ----------------------------------------------------------------------


@pytest.mark.parametrize("outcome", PART_OUTCOMES)
def test_part_goes_queued_sent_outcome(outcome: PartStatus) -> None:
    assert apply_parts("pending", "queued", "sent", outcome) == outcome


def test_pending_part_is_rejected_when_the_charge_is_declined() -> None:
    assert advance_part("pending", "rejected") == "rejected"


@pytest.mark.parametrize("proposed", ["sent", "delivered", "undelivered", "failed"])
def test_pending_part_is_never_sent(proposed: PartStatus) -> None:
    assert advance_part("pending", proposed) == "pending"


@pytest.mark.parametrize("outcome", PART_OUTCOMES)
def test_receipt_before_sent_bookkeeping_is_kept(outcome: PartStatus) -> None:
    # The receipt overtook the submit_sm_resp bookkeeping; the late "sent" must not undo it.
    assert apply_parts("queued", outcome, "sent") == outcome


@pytest.mark.parametrize("final", sorted(PART_FINAL))
@pytest.mark.parametrize("proposed", PART_STATUSES)
def test_part_never_leaves_a_final_state(final: PartStatus, proposed: PartStatus) -> None:
    assert advance_part(final, proposed) == final


@pytest.mark.parametrize("status", PART_STATUSES)
def test_repeating_a_part_status_is_a_no_op(status: PartStatus) -> None:
    assert advance_part(status, status) == status


@pytest.mark.parametrize(
    ("current", "proposed"),
    [("queued", "pending"), ("sent", "queued"), ("sent", "pending")],
)
def test_part_never_moves_backwards(current: PartStatus, proposed: PartStatus) -> None:
    assert advance_part(current, proposed) == current


def test_conflicting_late_receipt_does_not_replace_the_first_outcome() -> None:
    assert apply_parts("sent", "delivered", "undelivered", "expired") == "delivered"


def test_unknown_status_is_a_bug_not_a_no_op() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        advance_part("sent", "bounced")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown status"):
        advance_message("pending", "queued")  # type: ignore[arg-type]


# --- aggregate -----------------------------------------------------------------------------


def test_delivered_only_when_every_part_is() -> None:
    assert aggregate(["delivered"]) == "delivered"
    assert aggregate(["delivered", "delivered", "delivered"]) == "delivered"
    assert aggregate(["delivered", "sent"]) == "sent"


@pytest.mark.parametrize("outcome", ["undelivered", "expired", "rejected", "unknown"])
def test_any_other_outcome_makes_the_message_undelivered(outcome: PartStatus) -> None:
    assert aggregate([outcome]) == "undelivered"
    assert aggregate(["delivered", outcome]) == "undelivered"
    assert aggregate([outcome, "failed"]) == "undelivered"


def test_failed_only_when_every_part_failed() -> None:
    assert aggregate(["failed"]) == "failed"
    assert aggregate(["failed", "failed"]) == "failed"
    assert aggregate(["failed", "delivered"]) == "undelivered"


@pytest.mark.parametrize(
    "parts",
    [
        ["sent"],
        ["sent", "queued"],
        ["delivered", "queued"],
        ["failed", "queued"],
        ["expired", "sent"],
        ["delivered", "sent", "sent"],
    ],
)
def test_sent_while_some_part_is_under_way(parts: list[PartStatus]) -> None:
    assert aggregate(parts) == "sent"


def test_queued_until_a_part_is_sent() -> None:
    assert aggregate(["queued"]) == "queued"
    assert aggregate(["queued", "queued"]) == "queued"
    assert aggregate(["pending", "queued"]) == "queued"


def test_accepted_while_every_part_waits_for_billing() -> None:
    assert aggregate(["pending", "pending"]) == "accepted"


def test_a_message_has_parts() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        aggregate([])


# --- parts and message together, in any order ----------------------------------------------


def replay(reports: list[tuple[int, PartStatus]], segments: int) -> MessageStatus:
    """Apply (part index, status) reports the way dispatch does: part first, then message."""
    parts: list[PartStatus] = ["queued"] * segments
    message: MessageStatus = "queued"
    for index, status in reports:
        parts[index] = advance_part(parts[index], status)
        message = advance_message(message, aggregate(parts))
    return message


@pytest.mark.parametrize(
    "reports",
    list(permutations([(0, "sent"), (1, "sent"), (0, "delivered"), (1, "delivered")])),
)
def test_any_order_of_sent_and_delivered_ends_delivered(
    reports: tuple[tuple[int, PartStatus], ...],
) -> None:
    assert replay(list(reports), segments=2) == "delivered"


@pytest.mark.parametrize(
    "reports",
    list(permutations([(0, "sent"), (1, "sent"), (0, "delivered"), (1, "expired")])),
)
def test_any_order_with_an_expired_part_ends_undelivered(
    reports: tuple[tuple[int, PartStatus], ...],
) -> None:
    assert replay(list(reports), segments=2) == "undelivered"


def test_duplicates_and_stale_reports_after_the_outcome_change_nothing() -> None:
    reports: list[tuple[int, PartStatus]] = [(0, "sent"), (1, "sent"), (0, "delivered")]
    reports += [(1, "delivered"), (1, "delivered"), (0, "sent"), (1, "undelivered")]
    assert replay(reports, segments=2) == "delivered"


def test_message_stays_sent_until_the_last_part_reports() -> None:
    reports: list[tuple[int, PartStatus]] = [(0, "sent"), (0, "delivered"), (2, "sent")]
    assert replay(reports, segments=3) == "sent"


# --- the receipt deadline's provisional outcome ----------------------------------------------


@pytest.mark.parametrize("timed_out", ["expired", "unknown"])
@pytest.mark.parametrize("outcome", ["delivered", "undelivered", "expired", "rejected", "unknown"])
def test_a_receipt_replaces_the_deadlines_guess(timed_out: PartStatus, outcome: PartStatus) -> None:
    assert advance_part(timed_out, outcome, provisional=True) == outcome


@pytest.mark.parametrize("proposed", ["pending", "queued", "sent"])
def test_a_guessed_outcome_never_goes_back_to_waiting(proposed: PartStatus) -> None:
    assert advance_part("expired", proposed, provisional=True) == "expired"


def test_without_the_provisional_flag_a_final_part_stays_final() -> None:
    assert advance_part("expired", "delivered") == "expired"


def test_a_revised_message_moves_between_final_states_only() -> None:
    assert advance_message("undelivered", "delivered", revising=True) == "delivered"
    assert advance_message("undelivered", "sent", revising=True) == "undelivered"
    assert advance_message("sent", "delivered", revising=True) == "delivered"
    assert advance_message("undelivered", "delivered") == "undelivered"


def _sent_message(segments: int = 1) -> Message:
    message = Message(
        id=uuid4(), status="sent", segments=segments, error_code=None, status_reason=None
    )
    message.parts = [
        MessagePart(part_index=index, status="sent", error_code=None)
        for index in range(1, segments + 1)
    ]
    return message


def test_a_definite_receipt_after_an_unknown_one_decides_the_message() -> None:
    message = _sent_message()
    at = datetime.now(UTC)
    message.record_part(1, "unknown", at, receipt=True)
    assert message.status == "undelivered"

    message.record_part(1, "delivered", at, receipt=True)

    assert (message.parts[0].status, message.status) == ("delivered", "delivered")
    # ... once: a contradicting receipt afterwards changes nothing.
    message.record_part(1, "undelivered", at, receipt=True)
    assert (message.parts[0].status, message.status) == ("delivered", "delivered")
