"""A termination refund's bank details (issue 10 item 7): IBANs are checked by country
format and check digits and stored compact; debts are invoiced up to the whole cent."""

import pytest
from pydantic import ValidationError

from billing_service.postpaid.invoicing import _up_to_cents
from billing_service.terminations.schemas import BankDetails


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
        ("nl91abna0417164300", "NL91ABNA0417164300"),
        ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ],
)
def test_valid_ibans_are_stored_compact(given: str, stored: str) -> None:
    assert BankDetails(holder="Acme", iban=given).iban == stored


@pytest.mark.parametrize(
    "iban",
    [
        "NL91 ABNA 0417 1643 01",  # a typo: the check digits no longer match
        "NL91 ABNA 0417 1643 0",  # too short for the Netherlands
        "XX91 ABNA 0417 1643 00",  # no such country
        "not an iban at all!",
    ],
)
def test_invalid_ibans_are_refused(iban: str) -> None:
    with pytest.raises(ValidationError, match="IBAN"):
        BankDetails(holder="Acme", iban=iban)


def test_a_bad_bic_is_refused_and_a_good_one_kept() -> None:
    assert BankDetails(holder="Acme", iban="NL91ABNA0417164300", bic="abnanl2a").bic == ("ABNANL2A")
    with pytest.raises(ValidationError, match="BIC"):
        BankDetails(holder="Acme", iban="NL91ABNA0417164300", bic="NOT-A-BIC")


@pytest.mark.parametrize(
    ("units", "invoiced"), [(1500, 1500), (1501, 1600), (375, 400), (1, 100), (0, 0)]
)
def test_debts_are_invoiced_up_to_the_cent(units: int, invoiced: int) -> None:
    assert _up_to_cents(units) == invoiced
