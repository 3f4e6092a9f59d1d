"""Which connection a part goes over: pure, so it can be tested without a socket.

A route matches by the longest E.164 prefix; a country route counts as a little more
specific than its bare calling code ("GB" beats "+44", "+447" beats "GB"), so an operator can
carve a range out of a country. No match: the default route, or every connection in the
order configured when no default route is given.

`Router.dead_ranges` turns "these connections are unusable now" into number prefixes the
claim query can skip, so a dead route's backlog never stands in front of a healthy one's.
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


@dataclass(frozen=True)
class DeadRange:
    """Numbers that start with `prefix` and with none of `unless` have no usable
    connection now."""

    prefix: str
    unless: tuple[str, ...]


@dataclass(frozen=True)
class _Key:
    """A route as number prefixes: `exact` when the route matches every number that starts
    with `prefix` (a country does only when it is alone on its calling code)."""

    prefix: str
    specificity: float
    exact: bool
    tiers: tuple[Tier, ...]


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

    def dead_ranges(self, usable: Callable[[str], bool]) -> list[DeadRange]:
        """Ranges of numbers whose route certainly has no usable connection now (`choose`
        would answer None), each as a prefix minus the more specific routes inside it that
        may still be usable. Conservative: a number left out of every range may still be
        unroutable (a country that shares its calling code, as GB does with GG, IM and JE,
        can't be told by prefix), never the other way round."""
        keys = self._keys()
        dead = [k for k in keys if not any(usable(n) for t in k.tiers for n in t.names)]
        live = [k for k in keys if k not in dead]
        return [
            DeadRange(
                d.prefix,
                tuple(
                    sorted(
                        k.prefix
                        for k in live
                        if k.specificity > d.specificity and k.prefix.startswith(d.prefix)
                    )
                ),
            )
            for d in dead
            if d.exact
        ]

    def _keys(self) -> list[_Key]:
        keys = [_Key(p, len(p), True, tiers) for p, tiers in self._by_prefix.items()]
        for country, tiers in self._by_country.items():
            code = phonenumbers.country_code_for_region(country)
            if code:
                exact = phonenumbers.region_codes_for_country_code(code) == (country,)
                keys.append(_Key(f"+{code}", len(str(code)) + 1.5, exact, tiers))
        # Every number is E.164, so "+" is where the default route starts.
        keys.append(_Key("+", -1, True, self._default))
        return keys


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
