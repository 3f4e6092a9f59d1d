from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(tags=["auth"])


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request) -> dict[str, Any]:
    keys: dict[str, Any] = request.app.state.token_issuer.jwks()
    return keys
