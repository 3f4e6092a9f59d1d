"""A message's validity period reaches the SMSC in SMPP 3.4's relative time format."""

from dataclasses import dataclass

import pytest

from dispatch_service.smpp.submission import relative_time, submit_sm_fields


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (60, "000000000100000R"),
        (90, "000000000130000R"),
        (3600, "000000010000000R"),
        (259200, "000003000000000R"),  # 72 h
        (93784, "000001020304000R"),  # 1 d 2 h 3 min 4 s
    ],
)
def test_seconds_become_relative_time(seconds: int, expected: str) -> None:
    assert relative_time(seconds) == expected


@dataclass
class _Part:
    validity_period: int | None
    to_number: str = "+447700900123"
    sender: str = "SMSGW"
    encoding: str = "gsm7"
    concat_reference: int = 0
    segments: int = 1
    part_index: int = 1
    text: str = "hi"


def test_submit_sm_carries_the_validity_only_when_the_message_has_one() -> None:
    assert submit_sm_fields(_Part(3600))["validity_period"] == "000000010000000R"
    assert "validity_period" not in submit_sm_fields(_Part(None))
