"""Choosing a receipt's part: link, time window, exact form first, ambiguity. Pure."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from dlr_service.inbound.fingerprint import fingerprint
from dlr_service.receipts.ids import normalise
from dlr_service.receipts.matching import MatchWindow, choose
from dlr_service.receipts.models import SubmittedPart
from dlr_service.receipts.states import is_news
from shared.events import DeliverSmReceived

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = MatchWindow(before=timedelta(hours=72), after=timedelta(minutes=10))


def part(smsc_message_id: str, submitted_at: datetime = NOW) -> SubmittedPart:
    return SubmittedPart(
        smsc="default",
        smsc_key=normalise(smsc_message_id),
        smsc_message_id=smsc_message_id,
        account_id=uuid4(),
        message_id=uuid4(),
        part_index=1,
        submitted_at=submitted_at,
    )


def test_the_exact_form_beats_an_alternative() -> None:
    exact, alternative = part("107506"), part("1A3F2")  # 0x1A3F2 == 107506

    match = choose("107506", [alternative, exact], NOW, WINDOW)

    assert match.part is exact
    assert match.ambiguous == ()


def test_one_alternative_form_matches() -> None:
    hex_part = part("0001A3F2")

    assert choose("107506", [hex_part], NOW, WINDOW).part is hex_part


def test_two_alternatives_are_ambiguous() -> None:
    # "107506" read as hex is 1078534; read as decimal it is 0x1a3f2: both parts fit.
    as_decimal, as_hex = part("1078534"), part("1a3f2", NOW - timedelta(hours=1))

    match = choose("107506", [as_decimal, as_hex], NOW, WINDOW)

    assert match.part is None
    assert match.ambiguous == (as_hex, as_decimal)


def test_parts_outside_the_window_are_not_candidates() -> None:
    too_old = part("42", NOW - timedelta(hours=73))
    too_new = part("42", NOW + timedelta(minutes=11))

    assert choose("42", [too_old], NOW, WINDOW).part is None
    assert choose("42", [too_new], NOW, WINDOW).part is None
    assert choose("42", [too_old], NOW, WINDOW).ambiguous == ()


def test_an_old_exact_part_does_not_beat_a_fitting_alternative() -> None:
    old_exact, recent_alternative = part("107506", NOW - timedelta(days=5)), part("1a3f2")

    assert choose("107506", [old_exact, recent_alternative], NOW, WINDOW).part is recent_alternative


def test_receipts_and_parts_at_the_window_edges() -> None:
    assert WINDOW.admits(NOW - timedelta(hours=72), NOW)
    assert WINDOW.admits(NOW + timedelta(minutes=10), NOW)
    assert not WINDOW.admits(NOW - timedelta(hours=72, seconds=1), NOW)


# --- one report per part ---------------------------------------------------------------------


def test_unknown_is_reported_only_first_and_never_blocks_a_real_outcome() -> None:
    assert is_news("unknown", set())
    assert not is_news("unknown", {"unknown"})
    assert is_news("delivered", {"unknown"})
    assert not is_news("unknown", {"unknown", "delivered"})


def test_a_second_definite_outcome_is_not_news() -> None:
    assert not is_news("delivered", {"delivered"})
    assert not is_news("undelivered", {"delivered"})
    assert not is_news("delivered", {"unknown", "expired"})


# --- MO fingerprints -------------------------------------------------------------------------


def mo(payload: bytes, **fields: object) -> DeliverSmReceived:
    defaults: dict[str, object] = {
        "source_addr": "447700900555",
        "destination_addr": "447700900000",
        "esm_class": 0,
        "data_coding": 0,
        "short_message_hex": payload.hex(),
        "text": payload.decode("latin-1"),
    }
    return DeliverSmReceived.model_validate({**defaults, **fields})


def test_a_redelivered_mo_has_the_same_fingerprint() -> None:
    first, again = mo(b"YES"), mo(b"YES")

    assert first.event_id != again.event_id
    assert fingerprint(first) == fingerprint(again)


def test_parts_of_one_long_mo_differ_by_their_udh() -> None:
    udh = bytes([5, 0, 3, 0x2A, 2])
    one = mo(udh + b"\x01same text", esm_class=0x40)
    two = mo(udh + b"\x02same text", esm_class=0x40)

    assert fingerprint(one) != fingerprint(two)


def test_link_addresses_and_payload_all_count() -> None:
    base = fingerprint(mo(b"YES"))

    assert fingerprint(mo(b"YES", smsc="other")) != base
    assert fingerprint(mo(b"YES", source_addr="447700900556")) != base
    assert fingerprint(mo(b"YES", destination_addr="447700900001")) != base
    assert fingerprint(mo(b"YEs")) != base
