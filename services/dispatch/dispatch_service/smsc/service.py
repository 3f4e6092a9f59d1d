"""The ops view of the SMSC links: configuration joined with the connector's last report."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_service.config import DispatchSettings
from dispatch_service.smsc import repository
from dispatch_service.smsc.models import SmscHealthRow
from dispatch_service.smsc.reload import reread
from dispatch_service.smsc.schemas import LinkState, SmscLinkHealth, SmscOverview, SmscRouteView

log = logging.getLogger(__name__)

# A report older than this many intervals means the connector stopped reporting.
STALE_AFTER_INTERVALS = 3


async def overview(session: AsyncSession, settings: DispatchSettings) -> SmscOverview:
    try:
        # The files as they are now: what the connector runs within smsc_reload_seconds.
        settings = reread(settings) or settings
    except ValueError as exc:
        # The connector refuses it too and keeps running what it had.
        log.warning("SMSC configuration refused; showing the one read at start: %s", exc)
    reports = await repository.load(session)
    stale_before = datetime.now(UTC) - timedelta(
        seconds=settings.smsc_health_report_seconds * STALE_AFTER_INTERVALS + 1
    )
    links = []
    for connection in settings.connections():
        row = reports.get(connection.name)
        fresh = row is not None and row.reported_at >= stale_before
        link = SmscLinkHealth(
            name=connection.name,
            host=connection.host,
            port=connection.port,
            tls=connection.tls,
            binds=connection.binds,
            state=_state(row) if fresh else "unknown",
        )
        if row is not None:
            link = link.model_copy(update=_figures(row))
        links.append(link)
    routes = [
        SmscRouteView(destinations=route.key, connections=list(route.connections))
        for route in settings.smsc_routes
    ]
    return SmscOverview(connections=links, routes=routes)


def _state(row: SmscHealthRow | None) -> LinkState:
    if row is None:
        return "unknown"
    if row.bound_binds == 0:
        return "down"
    if row.circuit != "closed" or row.bound_binds < row.binds:
        return "degraded"
    return "up"


def _figures(row: SmscHealthRow) -> dict[str, object]:
    return {
        "bound_binds": row.bound_binds,
        "in_flight": row.in_flight,
        "queued": row.queued,
        "circuit": row.circuit,
        "failures_in_a_row": row.failures_in_a_row,
        "last_error": row.last_error,
        "last_error_at": row.last_error_at,
        "reported_at": row.reported_at,
    }
