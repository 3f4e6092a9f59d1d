"""Which connection a part goes over: pure, so it can be tested without a socket.

A route matches by the longest E.164 prefix; a country route counts as a little more
specific than its bare calling code ("GB" beats "+44", "+447" beats "GB"), so an operator can
carve a range out of a country. No match: the default route, or every connection in the
order configured when no default route is given.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import phonenumbers

from dispatch_service.smsc.config import SmscConnection, SmscRoute


@dataclass(frozen=True)
class Tier:
    names: tuple[str, ...]
    weights: tuple[int, ...]


class Router:
    def __init__(
        self,
        connections: Sequence[SmscConnection],
        routes: Sequence[SmscRoute],
        rng: random.Random | None = None,
    ) -> None:
        self._rng = rng or random.Random()
        self._by_prefix = {r.prefix: _tiers(r) for r in routes if r.prefix is not None}
        self._prefix_lengths = sorted({len(p) for p in self._by_prefix}, reverse=True)
        self._by_country = {r.country: _tiers(r) for r in routes if r.country is not None}
        default = next((r for r in routes if r.prefix is None and r.country is None), None)
        self._default = (
            _tiers(default)
            if default is not None
            else tuple(Tier((c.name,), (1,)) for c in connections)
        )

    def tiers_for(self, to_number: str) -> tuple[Tier, ...]:
        best: tuple[float, tuple[Tier, ...]] | None = None
        for length in self._prefix_lengths:
            tiers = self._by_prefix.get(to_number[:length])
            if tiers is not None:
                best = (length, tiers)
                break
        if self._by_country:
            country, code_length = _country_of(to_number)
            tiers = self._by_country.get(country) if country else None
            if tiers is not None and (best is None or code_length + 0.5 > best[0]):
                best = (code_length + 0.5, tiers)
        return self._default if best is None else best[1]

    def choose(self, to_number: str, usable: Callable[[str], bool]) -> str | None:
        """The connection for a part: the first rank with a usable connection, by weight
        among that rank's usable ones; None when no connection of the route is usable."""
        for tier in self.tiers_for(to_number):
            names, weights = [], []
            for name, weight in zip(tier.names, tier.weights, strict=True):
                if usable(name):
                    names.append(name)
                    weights.append(weight)
            if len(names) == 1:
                return names[0]
            if names:
                return self._rng.choices(names, weights)[0]
        return None


def _tiers(route: SmscRoute) -> tuple[Tier, ...]:
    ranks: dict[int, list[tuple[str, int]]] = {}
    for position, hop in enumerate(route.connections, start=1):
        ranks.setdefault(hop.rank or position, []).append((hop.connection, hop.weight))
    return tuple(
        Tier(tuple(n for n, _ in hops), tuple(w for _, w in hops))
        for _, hops in sorted(ranks.items())
    )


def _country_of(to_number: str) -> tuple[str | None, int]:
    """The number's region and the length of "+" and its calling code."""
    try:
        number = phonenumbers.parse(to_number, None)
    except phonenumbers.NumberParseException:
        return None, 0
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return region, len(str(number.country_code)) + 1
