"""A failed send is kept (last_error) and logged for operators without the addresses the
mail server named: they are the recipients' personal data."""

import smtplib

from auth_service.mail.service import described


def test_refused_recipients_are_not_kept_in_the_error() -> None:
    refused = smtplib.SMTPRecipientsRefused(
        {"jane.doe@example.com": (550, b"5.1.1 <jane.doe@example.com>: user unknown")}
    )

    text = described(refused)

    assert "jane.doe" not in text
    assert "example.com" not in text
    assert "SMTPRecipientsRefused" in text
    assert "user unknown" in text


def test_an_error_without_addresses_reads_as_it_was() -> None:
    assert described(ConnectionRefusedError(111, "Connection refused")) == repr(
        ConnectionRefusedError(111, "Connection refused")
    )
