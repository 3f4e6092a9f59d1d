"""Liveness and readiness of the gateway itself.

Both are public (the ingress routes every path here), so neither says anything about the
services behind, and neither calls them: each service's own /healthz and /readyz are for
its own probes. The gateway is ready when it can check tokens, i.e. holds auth's keys
(and, with a broker, has caught up with the API keys and the account states);
their cache bounds how often a flood of /readyz reaches auth (see shared.security).
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.state import current

router = APIRouter(tags=["health"], include_in_schema=False)
# Answered whatever the load (gateway.admission): a busy replica taken out of the Service,
# or restarted, would only pour its load onto the others.
PROBE_PATHS = ("/healthz", "/readyz")


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    gateway = current(request)
    ready = await gateway.verifier.keys.ready()
    # And holds every API key: a replica still replaying the topic gets no traffic yet.
    ready = ready and (gateway.api_keys is None or gateway.api_keys.feed.usable())
    # And has read the account states once: until then it enforces none of them.
    ready = ready and (gateway.account_states is None or gateway.account_states.enforcing)
    return JSONResponse(
        {"status": "ok" if ready else "unavailable"}, status_code=200 if ready else 503
    )
