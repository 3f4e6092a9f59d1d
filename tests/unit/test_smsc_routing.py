"""Route choice and the circuit breaker, pure: longest prefix, country, default, ranks and
weights, skipping unusable links, and a breaker that opens, probes once and closes."""

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from dispatch_service.config import DispatchSettings
from dispatch_service.smsc.circuit import Circuit
from dispatch_service.smsc.config import RouteHop, SmscConnection, SmscRoute
from dispatch_service.smsc.reload import reread, same_setup
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


def _dead(router: Router, down: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.prefix, r.unless) for r in router.dead_ranges(lambda n: n not in down)]


def test_a_dead_route_becomes_prefixes_to_skip_minus_the_live_routes_inside_it() -> None:
    router = _router(
        {"prefix": "+33", "connections": _hops("a")},
        {"prefix": "+336", "connections": _hops("b")},
        {"country": "FR", "connections": _hops("c")},
        {"connections": _hops("d")},
    )

    # +33 dead: the country route (FR alone on +33, a little more specific) and +336 stay.
    assert _dead(router, {"a"}) == [("+33", ("+33", "+336"))]
    # FR dead: only +336 carves numbers out of it.
    assert _dead(router, {"c"}) == [("+33", ("+336",))]
    # Everything but the default route's link: only the default's numbers are skipped.
    assert _dead(router, {"d"}) == [("+", ("+33", "+33", "+336"))]
    assert _dead(router, set()) == []


def test_a_country_sharing_its_calling_code_is_never_skipped_by_prefix() -> None:
    router = _router({"country": "GB", "connections": _hops("a")}, {"connections": _hops("b")})

    # +44 is GB's and also GG's, IM's and JE's, which go by the default route: the claim
    # can't tell them apart by prefix, so the connector sets GB's parts aside itself.
    assert _dead(router, {"a"}) == []
    assert router.choose("+447700900123", lambda n: n != "a") is None
    assert _dead(router, {"b"}) == [("+", ("+44",))]


def test_a_number_in_a_dead_range_is_one_the_router_cannot_route() -> None:
    router = _router(
        {"prefix": "+4477", "connections": _hops("a")},
        {"country": "FR", "connections": _hops("b", "c")},
        {"prefix": "+33612", "connections": _hops("a")},
        {"connections": _hops("d")},
    )
    numbers = ["+447700900123", "+447400123456", "+33612345678", "+33712345678", "+4915112345"]
    skipped_somewhere = 0
    for down in ({"a"}, {"b"}, {"b", "c"}, {"d"}, {"a", "d"}, {"a", "b", "c", "d"}):

        def usable(name: str, down: set[str] = down) -> bool:
            return name not in down

        ranges = router.dead_ranges(usable)
        for number in numbers:
            if any(
                number.startswith(r.prefix) and not any(number.startswith(u) for u in r.unless)
                for r in ranges
            ):
                skipped_somewhere += 1
                assert router.choose(number, usable) is None, (number, down)
    assert skipped_somewhere >= 8


def test_connections_and_routes_files_are_read_at_start_and_a_bad_one_is_refused(
    tmp_path: Path,
) -> None:
    connections, routes = tmp_path / "connections.json", tmp_path / "routes.json"
    connections.write_text(json.dumps([c.model_dump(mode="json") for c in CONNECTIONS[:2]]))
    routes.write_text(json.dumps([{"prefix": "+44", "connections": _hops("b")}]))

    settings = DispatchSettings(smsc_connections_file=connections, smsc_routes_file=routes)
    assert [c.name for c in settings.connections()] == ["a", "b"]
    assert settings.smsc_routes[0].prefix == "+44"

    routes.write_text(json.dumps([{"prefix": "+44", "connections": _hops("z")}]))
    with pytest.raises(ValidationError, match="does not define"):
        DispatchSettings(smsc_connections_file=connections, smsc_routes_file=routes)
    # Read again while running: refused the same way, naming the fault.
    with pytest.raises(ValueError, match="does not define"):
        reread(settings)
    routes.write_text("[{")
    with pytest.raises(ValueError, match=str(routes)):
        reread(settings)
    routes.unlink()
    with pytest.raises(ValueError, match="cannot read"):
        reread(settings)


def test_a_reread_without_files_or_changes_is_told_apart() -> None:
    plain = DispatchSettings()
    assert reread(plain) is None
    assert same_setup(plain, plain.model_copy())
    route = SmscRoute(connections=(RouteHop(connection="default"),))
    moved = plain.model_copy(update={"smsc_routes": [route]})
    assert not same_setup(plain, moved)


def test_the_lists_come_from_files_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a pod mounts them: DISPATCH_SMSC_*_FILE, JSON like the variables themselves."""
    connections, routes = tmp_path / "connections.json", tmp_path / "routes.json"
    connections.write_text(json.dumps([c.model_dump(mode="json") for c in CONNECTIONS[:2]]))
    routes.write_text(json.dumps([{"country": "FR", "connections": _hops("b", "a")}]) + "\n")
    monkeypatch.setenv("DISPATCH_SMSC_CONNECTIONS_FILE", str(connections))
    monkeypatch.setenv("DISPATCH_SMSC_ROUTES_FILE", str(routes))

    settings = DispatchSettings()

    assert settings.smsc_routes_file == routes
    assert [c.name for c in settings.connections()] == ["a", "b"]
    assert [h.connection for h in settings.smsc_routes[0].connections] == ["b", "a"]
