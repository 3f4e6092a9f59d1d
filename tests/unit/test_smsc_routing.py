"""Route choice and the circuit breaker, pure: longest prefix, country, default, ranks and
weights, skipping unusable links, and a breaker that opens, probes once and closes."""

import random
from collections import Counter

import pytest
from pydantic import ValidationError

from dispatch_service.config import DispatchSettings
from dispatch_service.smsc.circuit import Circuit
from dispatch_service.smsc.config import SmscConnection, SmscRoute
from dispatch_service.smsc.routing import Router


def _connection(name: str) -> SmscConnection:
    return SmscConnection(name=name, host="127.0.0.1", port=2775, system_id="x", password="y")


CONNECTIONS = [_connection(n) for n in ("a", "b", "c", "d")]


def _router(*routes: dict[str, object], seed: int = 1) -> Router:
    parsed = [SmscRoute.model_validate(r) for r in routes]
    return Router(CONNECTIONS, parsed, random.Random(seed))


def _hops(*names: str) -> list[dict[str, object]]:
    return [{"connection": n} for n in names]


def everyone(_: str) -> bool:
    return True


def test_the_longest_prefix_wins_and_a_country_sits_between_its_code_and_longer_prefixes() -> None:
    router = _router(
        {"prefix": "+44", "connections": _hops("a")},
        {"country": "GB", "connections": _hops("b")},
        {"prefix": "+4477", "connections": _hops("c")},
        {"connections": _hops("d")},
    )

    assert router.choose("+447700900123", everyone) == "c"
    assert router.choose("+447400123456", everyone) == "b"  # GB, not +4477
    assert router.choose("+33612345678", everyone) == "d"  # the default route


def test_without_a_default_route_every_connection_in_order_is_the_failover_list() -> None:
    router = _router({"prefix": "+44", "connections": _hops("a")})

    assert router.choose("+33612345678", everyone) == "a"
    assert router.choose("+33612345678", lambda n: n not in {"a", "b"}) == "c"


def test_failover_takes_the_next_rank_and_none_when_the_route_has_no_usable_link() -> None:
    router = _router({"prefix": "+44", "connections": _hops("a", "b")})

    assert router.choose("+447700900123", lambda n: n != "a") == "b"
    assert router.choose("+447700900123", lambda n: n not in {"a", "b"}) is None


def test_weights_spread_parts_among_one_rank() -> None:
    hops = [
        {"connection": "a", "rank": 1, "weight": 3},
        {"connection": "b", "rank": 1, "weight": 1},
        {"connection": "c", "rank": 2},
    ]
    router = _router({"connections": hops})

    chosen = Counter(router.choose("+447700900123", everyone) for _ in range(4000))

    assert set(chosen) == {"a", "b"}
    assert 2.5 < chosen["a"] / chosen["b"] < 3.5
    assert {router.choose("+447700900123", lambda n: n == "c")} == {"c"}


def test_a_route_to_a_connection_that_does_not_exist_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="does not define"):
        DispatchSettings(
            smsc_connections=[CONNECTIONS[0]],
            smsc_routes=[SmscRoute.model_validate({"connections": _hops("a", "nowhere")})],
        )


def test_without_connections_the_single_link_settings_are_the_one_connection() -> None:
    settings = DispatchSettings(smpp_port=2999, smpp_binds=3, smpp_link_name="operator-a")

    [connection] = settings.connections()

    assert (connection.name, connection.port, connection.binds) == ("operator-a", 2999, 3)
    assert connection.tls is False


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_circuit_opens_after_failures_in_a_row_probes_once_and_closes_on_success() -> None:
    clock = Clock()
    circuit = Circuit(failures_to_open=3, open_seconds=10, clock=clock)
    circuit.failed()
    circuit.failed()
    circuit.succeeded()  # a success in between: the count starts again
    circuit.failed()
    circuit.failed()
    assert circuit.routable()

    circuit.failed()
    assert circuit.state == "open"
    assert not circuit.routable()

    clock.now = 10
    assert circuit.state == "half_open"
    assert circuit.routable()
    circuit.routed()
    assert not circuit.routable()  # one probe at a time

    circuit.succeeded()
    assert circuit.state == "closed"
    assert circuit.routable()


def test_a_failed_probe_opens_the_circuit_again() -> None:
    clock = Clock()
    circuit = Circuit(failures_to_open=1, open_seconds=5, clock=clock)
    circuit.failed()
    clock.now = 5
    circuit.routed()

    circuit.failed()

    assert circuit.state == "open"
    clock.now = 9
    assert circuit.state == "open"
    clock.now = 10
    assert circuit.routable()


def test_a_probe_that_never_returns_does_not_keep_the_link_half_open() -> None:
    clock = Clock()
    circuit = Circuit(failures_to_open=1, open_seconds=5, clock=clock)
    circuit.failed()
    clock.now = 5
    circuit.routed()
    assert not circuit.routable()

    clock.now = 10

    assert circuit.routable()
