from fastapi import FastAPI

from auth_service.accounts.router import router as accounts_router
from auth_service.config import AuthSettings
from auth_service.db import Outbox
from auth_service.keys.router import router as keys_router
from auth_service.keys.signing import TokenIssuer, load_or_create_private_key
from shared.app import create_service_app
from shared.runtime import ServiceRuntime


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    app = create_service_app("auth", runtime, [accounts_router, keys_router])
    app.state.token_issuer = TokenIssuer(load_or_create_private_key(settings), settings)
    return app
