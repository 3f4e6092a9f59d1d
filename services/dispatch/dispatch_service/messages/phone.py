"""Recipient numbers and sender ids: what the API accepts and how it is normalised."""

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

# Digits and the usual visual separators only: letters would be read as a vanity number
# ("+1 800 FLOWERS") and "ext." as an extension that E.164 silently drops, so either would
# send the SMS to a number the client never typed.
_PHONE_CHARS = re.compile(r"\+[0-9 ().\-]+")
_MAX_PHONE_INPUT = 32
# Regions phonenumbers uses for "no single country" (+800 freephone and the like).
_NO_REGION = {"001", "ZZ"}

# A regex character class: ASCII letters, digits, space and `. - _ &`, all in the GSM 7-bit
# default alphabet; sender names (senders.names) are approved from the same set.
ALPHANUMERIC_SENDER_CHARS = r"A-Za-z0-9 .\-_&"
_ALPHANUMERIC_SENDER = re.compile(f"[{ALPHANUMERIC_SENDER_CHARS}]{{1,11}}")
_NUMERIC_SENDER = re.compile(r"\+?[0-9]{1,15}")
# Operators' short codes: 3 to 8 digits, dialled without a country code.
_SHORT_CODE = re.compile(r"[0-9]{3,8}")

# SMPP type of number / numbering plan for the source address.
TON_INTERNATIONAL, TON_NETWORK_SPECIFIC, TON_ALPHANUMERIC = 1, 3, 5
NPI_UNKNOWN, NPI_ISDN = 0, 1


class InvalidPhoneNumber(ValueError):
    pass


class InvalidSender(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    e164: str
    region: str | None  # ISO 3166 alpha-2, e.g. "GB"; None for non-geographic numbers


def parse_phone_number(raw: str) -> PhoneNumber:
    """Normalise an international number to E.164, or raise InvalidPhoneNumber."""
    candidate = raw.strip()
    if len(candidate) > _MAX_PHONE_INPUT or not _PHONE_CHARS.fullmatch(candidate):
        raise InvalidPhoneNumber("use international format with a leading +, e.g. +447700900123")
    try:
        number = phonenumbers.parse(candidate, None)
    except NumberParseException as exc:
        raise InvalidPhoneNumber(str(exc)) from exc
    # "Possible" (right length for the country) rather than "valid" (inside an allocated
    # range): allocation tables go stale between library releases and exclude the reserved
    # test ranges (UK 07700 900xxx) we and our customers test with; the SMSC has the final
    # word on allocation and reports it as undelivered.
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        raise InvalidPhoneNumber("not a possible number for its country")
    # An unallocated range has no region of its own; its country code still names one.
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return PhoneNumber(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        region=None if region in _NO_REGION else region,
    )


def parse_sender(raw: str) -> str:
    """An alphanumeric id (up to 11 letters, digits, spaces and `. - _ &`) or a number (up
    to 15 digits)."""
    sender = raw.strip()
    if _NUMERIC_SENDER.fullmatch(sender) or _ALPHANUMERIC_SENDER.fullmatch(sender):
        return sender
    raise InvalidSender(
        "use up to 11 letters, digits, spaces and . - _ &, or a number of up to 15 digits"
    )


def sender_address_type(sender: str) -> tuple[int, int]:
    """SMPP (source_addr_ton, source_addr_npi) for a sender accepted by parse_sender."""
    if _SHORT_CODE.fullmatch(sender):
        return TON_NETWORK_SPECIFIC, NPI_UNKNOWN
    if _NUMERIC_SENDER.fullmatch(sender):
        return TON_INTERNATIONAL, NPI_ISDN
    return TON_ALPHANUMERIC, NPI_UNKNOWN
