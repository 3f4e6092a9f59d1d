"""The gateway's own /openapi.json (merged from the services) and /docs."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.state import current

router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    gateway = current(request)
    return JSONResponse(await gateway.openapi.document(gateway.clients.next(), gateway.upstreams))


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="smsgw API")
