from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dispatch_service.smsc.config import RouteHop

LinkState = Literal["up", "degraded", "down", "unknown"]


class SmscLinkHealth(BaseModel):
    name: str
    host: str
    port: int
    tls: bool
    binds: int = Field(description="Binds configured")
    state: LinkState = Field(
        description="`up`: bound, circuit closed; `degraded`: bound with a circuit open or "
        "half-open, or only some binds bound; `down`: no bind bound; `unknown`: the "
        "connector has not reported lately (not running, or it cannot reach the database)"
    )
    bound_binds: int | None = None
    in_flight: int | None = Field(None, description="submit_sm written, not yet answered")
    queued: int | None = Field(None, description="Parts claimed for it, not yet written")
    circuit: str | None = Field(None, description="closed | open | half_open")
    failures_in_a_row: int | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    reported_at: datetime | None = Field(None, description="When the connector last reported")


class SmscRouteView(BaseModel):
    destinations: str = Field(description="An E.164 prefix, a country, or `default`")
    connections: list[RouteHop]


class SmscOverview(BaseModel):
    connections: list[SmscLinkHealth]
    routes: list[SmscRouteView]
