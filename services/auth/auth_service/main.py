from fastapi import FastAPI

from auth_service.accounts.passwords import Passwords
from auth_service.accounts.router import router as accounts_router
from auth_service.api_keys.router import internal_router as api_keys_internal_router
from auth_service.api_keys.router import router as api_keys_router
from auth_service.config import AuthSettings
from auth_service.db import Outbox
from auth_service.keys.keyring import load_keyring
from auth_service.keys.router import router as keys_router
from auth_service.keys.signing import TokenIssuer
from shared.app import create_service_app
from shared.ratelimit import create_rate_limiter
from shared.runtime import ServiceRuntime


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    runtime = ServiceRuntime(settings=settings, outbox_model=Outbox)
    app = create_service_app(
        "auth",
        runtime,
        [accounts_router, keys_router, api_keys_router, api_keys_internal_router],
    )
    app.state.settings = settings
    app.state.token_issuer = TokenIssuer(load_keyring(settings), settings)
    app.state.passwords = Passwords(settings.max_concurrent_hashes)
    app.state.rate_limiter = create_rate_limiter(settings.redis_url, prefix="smsgw:")
    return app
