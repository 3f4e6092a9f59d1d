from fastapi import APIRouter
from starlette.responses import StreamingResponse

from dispatch_service.privacy.repository import export_queries
from shared.app import RuntimeDep
from shared.errors import problem_responses
from shared.export_stream import EXPORT_RESPONSE_DOC, ExportPartRequest, export_response
from shared.internal import InternalCaller

# Not routed by the gateway; contacts' privacy exports call it with the internal token.
internal_router = APIRouter(prefix="/internal/v1/privacy", tags=["internal"])


@internal_router.post(
    "/export",
    summary="Dispatch's rows about one number, or a whole account, as JSON lines",
    response_class=StreamingResponse,
    responses={200: EXPORT_RESPONSE_DOC, **problem_responses(401)},
)
async def export(
    body: ExportPartRequest, _: InternalCaller, runtime: RuntimeDep
) -> StreamingResponse:
    return export_response(runtime.sessionmaker, export_queries(body), body.tables)
