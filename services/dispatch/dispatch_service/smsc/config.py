"""SMSC connections and routes as configured: typed, checked at start.

`DISPATCH_SMSC_CONNECTIONS` and `DISPATCH_SMSC_ROUTES` are JSON lists. Without connections,
the single-link settings (`SMPP_HOST`, `SMPP_PORT`, ...) make the one connection, named
`DISPATCH_SMPP_LINK_NAME`, so a deployment that predates routes keeps working unchanged.
"""

import re
from pathlib import Path
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
_COUNTRY = re.compile(r"[A-Z]{2}")


class SmscConnection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=_NAME)  # names the link in events, receipts and the ops view
    host: str
    port: int = Field(ge=1, le=65535)
    system_id: str
    password: str = Field(repr=False)
    binds: int = Field(default=1, ge=1, le=64)
    window: int = Field(default=10, ge=1)
    tps: float | None = Field(default=None, gt=0)  # per bind, as operators contract it
    # SMPP over TLS: the bind password and every text otherwise cross the network in clear.
    # The SMSC's certificate is checked against `tls_ca_file` (the system's CAs if None)
    # and its host name; a client certificate is sent when the operator requires one.
    tls: bool = False
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None

    @model_validator(mode="after")
    def _tls_files(self) -> Self:
        files = (self.tls_ca_file, self.tls_cert_file, self.tls_key_file)
        if not self.tls and any(f is not None for f in files):
            raise ValueError(f"connection {self.name!r}: TLS files given but tls is false")
        if self.tls_key_file is not None and self.tls_cert_file is None:
            raise ValueError(f"connection {self.name!r}: tls_key_file without tls_cert_file")
        for f in files:
            if f is not None and not f.is_file():
                raise ValueError(f"connection {self.name!r}: no such file {f}")
        return self


class RouteHop(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    connection: str
    # Hops of one rank share the traffic by weight; a lower rank is tried first. None: its
    # place in the list, so a plain list is a failover order.
    rank: int | None = Field(default=None, ge=1)
    weight: int = Field(default=1, ge=1, le=1000)


class SmscRoute(BaseModel):
    """Destinations (an E.164 prefix, a country, or neither: the default route) and the
    connections that carry them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: str | None = Field(default=None, pattern=r"^\+[0-9]{1,15}$")
    country: str | None = None  # ISO 3166 alpha-2, from the number's region
    connections: tuple[RouteHop, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if self.prefix is not None and self.country is not None:
            raise ValueError("a route has a prefix or a country, not both")
        if self.country is not None and not _COUNTRY.fullmatch(self.country):
            raise ValueError(f"route country {self.country!r} is not ISO alpha-2 (upper case)")
        names = [hop.connection for hop in self.connections]
        if len(set(names)) != len(names):
            raise ValueError(f"route {self.key} names a connection twice")
        return self

    @property
    def key(self) -> str:
        return self.prefix or self.country or "default"


def check_routes(connections: list[SmscConnection], routes: list[SmscRoute]) -> None:
    """Refuses, at start, a route to a connection that does not exist and two routes for the
    same destinations: either would otherwise show only as parts that never go."""
    names = [c.name for c in connections]
    if len(set(names)) != len(names):
        raise ValueError("DISPATCH_SMSC_CONNECTIONS: two connections with one name")
    keys = [r.key for r in routes]
    if len(set(keys)) != len(keys):
        raise ValueError("DISPATCH_SMSC_ROUTES: two routes for the same destinations")
    for route in routes:
        for hop in route.connections:
            if hop.connection not in names:
                raise ValueError(
                    f"DISPATCH_SMSC_ROUTES: route {route.key} names connection "
                    f"{hop.connection!r}, which DISPATCH_SMSC_CONNECTIONS does not define"
                )


T = TypeVar("T")
_CONNECTIONS = TypeAdapter(list[SmscConnection])
_ROUTES = TypeAdapter(list[SmscRoute])


def read_connections(path: Path) -> list[SmscConnection]:
    return _read(_CONNECTIONS, path)


def read_routes(path: Path) -> list[SmscRoute]:
    return _read(_ROUTES, path)


def _read(adapter: TypeAdapter[T], path: Path) -> T:
    try:
        return adapter.validate_json(path.read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    except ValidationError as exc:
        # Which file, and what in it: the operator edited it, the process did not.
        raise ValueError(f"{path}: {exc}") from exc
