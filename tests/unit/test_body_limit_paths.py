"""A route may take larger bodies than the rest (the contact imports' upload): its path's own
limit applies to it, the general one to every other path."""

import httpx
import pytest
from fastapi import FastAPI, Request

from shared.body_limit import BodyLimitMiddleware
from shared.errors import install_problem_handlers

pytestmark = pytest.mark.asyncio


def app() -> FastAPI:
    application = FastAPI()
    install_problem_handlers(application)

    @application.post("/{path:path}")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    application.add_middleware(
        BodyLimitMiddleware, max_bytes=1000, path_max_bytes={"/upload": 5000}
    )
    return application


async def post(path: str, size: int) -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, content=b"x" * size)


async def test_the_upload_path_takes_more_than_the_general_limit() -> None:
    taken = await post("/upload", 4000)
    refused = await post("/upload", 6000)

    assert taken.status_code == 200
    assert taken.json() == {"size": 4000}
    assert refused.status_code == 413
    assert "5000" in refused.json()["detail"]


async def test_other_paths_keep_the_general_limit() -> None:
    refused = await post("/elsewhere", 4000)
    below = await post("/upload/more", 4000)

    assert refused.status_code == 413
    assert "1000" in refused.json()["detail"]
    assert below.status_code == 413
