"""The app-wide objects routes take as dependencies."""

from typing import Annotated

from fastapi import Depends, Request

from auth_service.config import AuthSettings
from auth_service.keys.signing import TokenIssuer


async def _settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.settings
    return settings


async def _issuer(request: Request) -> TokenIssuer:
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer


SettingsDep = Annotated[AuthSettings, Depends(_settings)]
IssuerDep = Annotated[TokenIssuer, Depends(_issuer)]
