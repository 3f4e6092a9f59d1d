"""Connections and routes changed while dispatch runs, without a restart.

Operators keep them in files (DISPATCH_SMSC_CONNECTIONS_FILE, DISPATCH_SMSC_ROUTES_FILE:
in the cluster a Secret and a ConfigMap mounted as files, which the kubelet updates in
place). The connector reads them again every `smsc_reload_seconds` and the ops view on every
request; a change that fails the start-up checks is refused with the reason in the log and
changes nothing: the running configuration stays.
"""

from dispatch_service.config import DispatchSettings
from dispatch_service.smsc.config import read_connections, read_routes


def reread(settings: DispatchSettings) -> DispatchSettings | None:
    """`settings` with the SMSC files read again; None when none is configured. Raises
    ValueError (naming the file and the fault) for a file that can't be read or is
    refused."""
    update: dict[str, object] = {}
    if settings.smsc_connections_file is not None:
        update["smsc_connections"] = read_connections(settings.smsc_connections_file)
    if settings.smsc_routes_file is not None:
        update["smsc_routes"] = read_routes(settings.smsc_routes_file)
    if not update:
        return None
    fresh = settings.model_copy(update=update)
    fresh.check_smsc()
    return fresh


def same_setup(a: DispatchSettings, b: DispatchSettings) -> bool:
    return a.connections() == b.connections() and a.smsc_routes == b.smsc_routes
