"""What operators' logs and dead letters may say about a recipient (issue 13 item 3, R19):
phone numbers masked, message texts and field values never quoted."""

import json
import logging
from uuid import uuid4

import pytest

from shared.events import MessageAccepted, serialise_event
from shared.inbox_records import Rejected, decode
from shared.logging import configure_logging, mask_phone_numbers, request_id_var


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("to +79161234567", "to +791******67"),
        ("SMPP source 447700900123", "SMPP source 447*******23"),
        ("from +4915112345678.", "from +491********78."),
        # Not phone numbers: ids, counts, amounts and short codes stay readable.
        ("message 3f2a1b4c-1234-5678-9abc-123456789012", None),
        ("batch of 1000000 rows", None),
        ("short code 7726", None),
        ("charged 1234567.89", None),
    ],
)
def test_phone_numbers_are_masked_and_nothing_else(line: str, masked: str | None) -> None:
    assert mask_phone_numbers(line) == (masked or line)


def _log_lines(capsys: pytest.CaptureFixture[str], log_format: str) -> list[str]:
    configure_logging("test", "INFO", log_format)  # type: ignore[arg-type]
    log = logging.getLogger("test.privacy")
    token = request_id_var.set("req-42")
    try:
        log.warning("submit to %s failed", "+79161234567")
        try:
            raise ValueError("no route for 79161234567")
        except ValueError:
            log.exception("giving up")
    finally:
        request_id_var.reset(token)
        configure_logging("test", "INFO", "text")
    return capsys.readouterr().err.splitlines()


def test_json_lines_carry_service_and_request_id_and_mask_numbers_in_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    first, second = (json.loads(line) for line in _log_lines(capsys, "json"))
    assert first["message"] == "submit to +791******67 failed"
    assert (first["service"], first["request_id"], first["level"]) == ("test", "req-42", "WARNING")
    assert "ValueError: no route for 791******67" in second["exc_info"]
    assert "79161234567" not in json.dumps(second)


def test_text_lines_are_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    output = "\n".join(_log_lines(capsys, "text"))
    assert "+791******67" in output
    assert "79161234567" not in output


def test_a_dead_letters_reason_names_the_field_but_never_quotes_its_value() -> None:
    event = MessageAccepted(
        account_id=uuid4(), message_id=uuid4(), to="+447700900123", sender="Shop",
        encoding="gsm7", segments=1,
    )  # fmt: skip
    record = json.loads(serialise_event(event))
    record["segments"] = "Your code is 123456"
    with pytest.raises(Rejected) as rejected:
        decode(json.dumps(record).encode(), None, {"message.accepted"})
    assert "segments" in str(rejected.value)
    assert "123456" not in str(rejected.value)
