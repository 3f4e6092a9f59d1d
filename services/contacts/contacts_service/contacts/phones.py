"""Phone numbers in, E.164 out."""

import phonenumbers

from contacts_service.contacts.countries import ISO_3166_ALPHA_2
from shared.errors import ProblemError


class InvalidPhoneNumber(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(422, "invalid_phone_number", "Invalid phone number", detail)


def to_e164(raw: str) -> str:
    """'+44 7700 900123' -> '+447700900123'.

    International form only: without a country code a national number is ambiguous, and
    guessing the customer's country would message the wrong person. Possible, not "valid":
    libphonenumber's range metadata lags operators' allocations (and rejects the reserved
    test ranges customers try first); the SMSC is the final word on routability.
    """
    if not raw.strip().startswith("+"):
        raise InvalidPhoneNumber("Use international format with a leading +, e.g. +447700900123")
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("Not a phone number") from exc
    if number.extension or not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber("Not a possible phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """The country a number belongs to ('+4930901820' -> 'DE'), or None for numbers of no
    single country (+800 freephone, +882 networks) or of a region ISO has no code for.

    A number in a range libphonenumber doesn't list (a new allocation, a reserved test range
    like +44 7700 900xxx) gets its calling code's main country (+44 -> GB, +1 -> US): the
    likeliest answer, which the customer can correct by giving `country`."""
    number = phonenumbers.parse(e164, None)
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return region if region in ISO_3166_ALPHA_2 else None
