"""The account's phone: what registration and the profile accept, stored as E.164.

The same rules as dispatch's recipients (dispatch_service/messages/phone.py): international
form with a leading +, digits and the usual separators only, a possible number for its
country rather than one inside an allocated range (the reserved test ranges are fine).
"""

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

_PHONE_CHARS = re.compile(r"\+[0-9 ().\-]+")
_MAX_PHONE_INPUT = 32


def parse_phone(raw: str) -> str:
    """'+44 7700 900123' -> '+447700900123'; ValueError (a 422 from a schema) otherwise."""
    candidate = raw.strip()
    if len(candidate) > _MAX_PHONE_INPUT or not _PHONE_CHARS.fullmatch(candidate):
        raise ValueError("use international format with a leading +, e.g. +447700900123")
    try:
        number = phonenumbers.parse(candidate, None)
    except NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE:
        raise ValueError("not a possible number for its country")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def phone_country(e164: str | None) -> str | None:
    """The ISO 3166 alpha-2 country of a stored (E.164) phone, when its number tells one:
    billing picks the account's contracting company by it (R15)."""
    if not e164:
        return None
    number = phonenumbers.parse(e164, None)
    # A possible number outside allocated ranges (the reserved test ranges) tells no region
    # by itself; its country code's main country does.
    region = phonenumbers.region_code_for_number(number)
    if not region and number.country_code:
        region = phonenumbers.region_code_for_country_code(number.country_code)
    return region if region and region != "ZZ" else None
