"""Which address auth limits login and register by: the client as the gateway reports it,
never one that a client can choose by sending X-Forwarded-For itself."""

import pytest
from starlette.requests import Request

from auth_service.accounts.limits import client_ip, limit_key
from auth_service.config import AuthSettings

TRUSTED = AuthSettings(trusted_proxies="127.0.0.1/32,::1/128,10.42.0.0/16").trusted_proxy_networks


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 40000), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        pytest.param("203.0.113.5", None, "203.0.113.5", id="direct-no-header"),
        pytest.param("203.0.113.5", "198.51.100.7", "203.0.113.5", id="direct-forged-header"),
        pytest.param("203.0.113.5", "203.0.113.5, 1.2.3.4", "203.0.113.5", id="direct-own-ip-left"),
        pytest.param("10.42.3.9", "198.51.100.7", "198.51.100.7", id="via-gateway-pod"),
        pytest.param(
            "10.42.3.9", "1.1.1.1, 198.51.100.7", "198.51.100.7", id="via-gateway-forged-left"
        ),
        pytest.param("10.42.3.9", "not-an-ip", "10.42.3.9", id="via-gateway-garbage"),
        # uvicorn already made a client-written entry the peer (clients on 127.0.0.1):
        pytest.param("198.51.100.7", "198.51.100.7, 127.0.0.1", "127.0.0.1", id="dev-rewritten"),
    ],
)
def test_client_ip(peer: str, forwarded: str | None, expected: str) -> None:
    assert client_ip(request(peer, forwarded), TRUSTED) == expected


def test_ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::9")
    assert limit_key("2001:db8:1:2::1") != limit_key("2001:db8:1:3::1")
    assert limit_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert limit_key("198.51.100.7") == "198.51.100.7"


def test_trusted_proxies_must_be_networks() -> None:
    with pytest.raises(ValueError, match="does not appear to be"):
        AuthSettings(trusted_proxies="127.0.0.1/32,gateway")
