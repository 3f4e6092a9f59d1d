"""Run a service's real ASGI app: in-process for speed, or on a real port when another
service has to reach it over HTTP (JWKS, the gateway's upstreams)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

import httpx
import uvicorn
from fastapi import FastAPI

from devstack.ports import free_port


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (database, producer, consumers) and talk to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@asynccontextmanager
async def served_app(app: FastAPI, proxy_headers: bool = True) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free loopback port; yields its base URL.

    `proxy_headers=False` is how the gateway runs (uvicorn's --no-proxy-headers): uvicorn
    leaves X-Forwarded-For to the app instead of believing it from loopback peers."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
            proxy_headers=proxy_headers,
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(60):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(30):
            await task


class AuthClient:
    """Registers accounts and logs in against the real auth service."""

    def __init__(self, base_url: str, signing_key_file: Path) -> None:
        self.base_url = base_url
        # auth's own dev key: tests sign tokens with it to probe checks beyond the signature.
        self.signing_key_file = signing_key_file
        self.jwks_url = f"{base_url}/.well-known/jwks.json"
        self._counter = 0

    async def new_account(self, company: str = "Acme") -> tuple[UUID, str]:
        """Returns (account_id, bearer token) of a freshly registered account."""
        self._counter += 1
        email = f"user{self._counter}-{id(self)}@example.com"
        password = "correct horse battery"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            registered = await client.post(
                "/v1/auth/register",
                json={"email": email, "password": password, "company_name": company},
            )
            registered.raise_for_status()
            login = await client.post("/v1/auth/login", json={"email": email, "password": password})
            login.raise_for_status()
        return UUID(login.json()["account_id"]), login.json()["access_token"]
