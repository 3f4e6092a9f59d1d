"""The offline URL rules shared by dlr's webhook endpoints and dispatch's callback_url."""

import pytest

from shared.urls import ForbiddenUrl, UrlRules


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "https:///nohost",
        "https://0x7f000001/",
        "https://127.1/",
        "https://127.0.0.1/",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/",
        "https://[::ffff:127.0.0.1]/",
        "https://100.64.0.1/",
    ],
)
def test_refused_without_a_lookup(url: str) -> None:
    with pytest.raises(ForbiddenUrl):
        UrlRules().check_offline(url)


def test_public_name_and_address_pass() -> None:
    UrlRules().check_offline("https://hooks.example.com/sms?x=1")
    UrlRules().check_offline("https://8.8.8.8/")


def test_loopback_allowed_only_when_asked() -> None:
    UrlRules(allow_loopback=True).check_offline("http://127.0.0.1:8080/cb")
    with pytest.raises(ForbiddenUrl):
        UrlRules(allow_loopback=True).check_offline("http://10.0.0.1/cb")
