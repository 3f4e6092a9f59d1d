"""The gateway's answer when the upstream dies under a request."""

import httpx
import pytest
from starlette.requests import Request

from gateway.proxy import forward
from shared.errors import ProblemError


def _request() -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v1/messages",
        "raw_path": b"/v1/messages",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "scheme": "http",
        "state": {"request_id": "test"},  # set by the gateway's request-id middleware
    }
    return Request(scope)


async def test_an_upstream_killed_under_a_pooled_connection_is_a_502_not_a_500() -> None:
    def socket_gone(request: httpx.Request) -> httpx.Response:
        # What httpcore raised when the fault suite killed dispatch mid-request.
        raise AttributeError("'NoneType' object has no attribute 'getpeername'")

    async with httpx.AsyncClient(transport=httpx.MockTransport(socket_gone)) as client:
        with pytest.raises(ProblemError) as raised:
            await forward(_request(), "dispatch", "http://127.0.0.1:1", client)

    assert (raised.value.status, raised.value.code) == (502, "bad_gateway")
